import type { ChatMessage } from '@roku/plugin-api';
import { lastValidAtOrBefore, protectedStart, splitLead, validCuts } from './cut.js';
import type { Settings } from './settings.js';
import { summaryLines, summaryMessage } from './summary.js';

/** Estimated tokens of messages (calibrated by the caller). */
export type Estimate = (messages: readonly ChatMessage[]) => number;

/** lead + a summary of body[0, start) + body[start…]. */
export function collapseAt(
  lead: readonly ChatMessage[],
  body: readonly ChatMessage[],
  start: number,
  names: ReadonlyMap<string, string>,
  settings: Settings,
): ChatMessage[] {
  const lines = body.slice(0, start).flatMap((message) => summaryLines(message, names));
  return [...lead, summaryMessage(lines, settings.summaryMaxChars), ...body.slice(start)];
}

/**
 * L1: collapse the oldest messages, keeping at least `tailMessages` (more if a tool result would be cut from its
 * call), and fewer, down to the last user message, while the estimate stays above `threshold`. Undefined when
 * there is nothing to collapse or collapsing would not save tokens.
 */
export function layer1(
  messages: ChatMessage[],
  threshold: number,
  names: ReadonlyMap<string, string>,
  settings: Settings,
  estimateTokens: Estimate,
): { messages: ChatMessage[]; collapsed: number } | undefined {
  const { lead, body } = splitLead(messages);
  const valid = validCuts(body);
  const protect = protectedStart(body, valid);
  let start = lastValidAtOrBefore(valid, Math.max(0, Math.min(body.length - settings.tailMessages, protect)));
  if (start === 0) return undefined;
  let result = collapseAt(lead, body, start, names, settings);
  while (estimateTokens(result) > threshold && start < protect) {
    start += 1;
    while (start < protect && valid[start] !== true) start += 1;
    result = collapseAt(lead, body, start, names, settings);
  }
  return estimateTokens(result) < estimateTokens(messages)
    ? { messages: result, collapsed: start }
    : undefined;
}

/**
 * High water: collapse everything before the last user message, keeping it and what follows it. Left as it is
 * when that would not save tokens (a few tiny messages can be shorter than their summary).
 */
export function compactAll(
  messages: ChatMessage[],
  names: ReadonlyMap<string, string>,
  settings: Settings,
  estimateTokens: Estimate,
): { messages: ChatMessage[]; removed: number } {
  const { lead, body } = splitLead(messages);
  const start = protectedStart(body, validCuts(body));
  if (start === 0) return { messages, removed: 0 };
  const result = collapseAt(lead, body, start, names, settings);
  if (estimateTokens(result) >= estimateTokens(messages)) return { messages, removed: 0 };
  return { messages: result, removed: messages.length - result.length };
}
