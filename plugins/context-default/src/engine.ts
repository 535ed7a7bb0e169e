import type { ChatMessage, ContextInput, ContextReport, ContextResult } from '@roku/plugin-api';
import { lastValidAtOrBefore, protectedStart, splitLead, validCuts } from './cut.js';
import { estimateTokens } from './estimate.js';
import { microcompact } from './microcompact.js';
import { readInput } from './settings.js';
import type { Settings } from './settings.js';
import { summaryLines, summaryMessage, toolNames } from './summary.js';

/** lead + a summary of body[0, start) + body[start…]. */
function collapseAt(
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
function layer1(
  messages: ChatMessage[],
  threshold: number,
  names: ReadonlyMap<string, string>,
  settings: Settings,
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
function compactAll(
  messages: ChatMessage[],
  names: ReadonlyMap<string, string>,
  settings: Settings,
): { messages: ChatMessage[]; removed: number } {
  const { lead, body } = splitLead(messages);
  const start = protectedStart(body, validCuts(body));
  if (start === 0) return { messages, removed: 0 };
  const result = collapseAt(lead, body, start, names, settings);
  if (estimateTokens(result) >= estimateTokens(messages)) return { messages, removed: 0 };
  return { messages: result, removed: messages.length - result.length };
}

/**
 * Runs the layers on a request: L0 microcompaction always; L1 above midWaterRatio × contextWindow; full
 * mechanical compaction above compactThresholdRatio × contextWindow. `force` runs all of them. The result never
 * has more messages than the input, keeps leading system messages first and never separates a tool result from
 * the assistant message that called it.
 *
 * @throws ROKU_COMPACTION_BAD_INPUT
 */
export function runLayers(input: ContextInput, settings: Settings): ContextResult {
  const { request, contextWindow, compactThresholdRatio, force = false } = readInput(input);
  const names = toolNames(request.messages);
  const reports: ContextReport[] = [];
  const l0 = microcompact(request.messages, settings.keepToolResults);
  let messages = l0.messages;
  if (l0.freed > 0) reports.push({ type: 'MicrocompactRan', freed_tokens: l0.freed });

  const midWater = settings.midWaterRatio * contextWindow;
  if (force || estimateTokens(messages) > midWater) {
    const l1 = layer1(messages, midWater, names, settings);
    if (l1 !== undefined) {
      messages = l1.messages;
      reports.push({ type: 'MidCompactLayer1Ran', messages_collapsed: l1.collapsed });
    }
  }
  if (force || estimateTokens(messages) > compactThresholdRatio * contextWindow) {
    const all = compactAll(messages, names, settings);
    messages = all.messages;
    if (all.removed > 0 || force) {
      reports.push({ type: 'CompactComplete', llm_succeeded: false, messages_removed: all.removed });
    }
  }
  return { request: { ...request, messages }, reports };
}
