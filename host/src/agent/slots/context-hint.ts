import type { ContextInput, ContextResult } from '@roku/schemas';
import { estimateMessageTokens } from '../router/tokens.js';
import type { SlotOwner, SnapshotPlugin } from '../snapshot/snapshot.js';
import { startsWith } from './context-memo.js';
import type { ContextMemoBox } from './context-memo.js';

/**
 * The answer a standing hint gives for this request (ContextHint): the hinted answer's messages, then those the
 * request added, with the hinted answer's reports. Undefined when there is no hint or it no longer holds: the
 * engine is called. Counts the request as skipped.
 */
export function answerFromHint(
  owner: SlotOwner,
  input: ContextInput,
  sessionId: string,
  box: ContextMemoBox,
): ContextResult | undefined {
  const held = box.hint;
  if (
    held === undefined ||
    held.plugin !== owner.plugin ||
    input.force === true ||
    input.compactThresholdRatio !== held.compactThresholdRatio ||
    // the engine's session realm is gone (idle, or evicted by other sessions): its answer may differ
    !box.realms.holds(held.plugin.sandbox, sessionId)
  ) {
    return undefined;
  }
  const { hint } = held;
  const messages = input.request.messages;
  const added = messages.length - held.input.length;
  if (added < 0 || (hint.addedMessages !== undefined && added > hint.addedMessages)) return undefined;
  if (!startsWith(messages, held.input)) return undefined;
  let tokens = Math.max(0, held.contextWindow - input.contextWindow);
  let toolResults = 0;
  for (let i = held.input.length; i < messages.length; i++) {
    const message = messages[i];
    if (message === undefined) continue;
    if (message.role === 'tool') toolResults += 1;
    tokens += estimateMessageTokens(message);
  }
  if (tokens > hint.addedTokens) return undefined;
  if (hint.addedToolResults !== undefined && toolResults > hint.addedToolResults) return undefined;
  held.skipped += 1;
  return {
    request: { ...input.request, messages: held.output.concat(messages.slice(held.input.length)) },
    reports: held.reports,
  };
}

/** Keeps (or ends) the session's hint after a call of the engine that `answered`. */
export function keepHint(
  box: ContextMemoBox,
  answered: SnapshotPlugin,
  input: ContextInput,
  result: ContextResult,
): void {
  const { hint } = result;
  box.hint =
    hint === undefined
      ? undefined
      : {
          plugin: answered,
          hint,
          input: input.request.messages,
          output: result.request.messages,
          reports: result.reports ?? [],
          contextWindow: input.contextWindow,
          compactThresholdRatio: input.compactThresholdRatio,
          skipped: 0,
        };
}
