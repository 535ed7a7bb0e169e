import type { ChatMessage } from '@roku/plugin-api';
import { textTokens } from './estimate.js';

/** What an old tool result's content becomes. */
export const CLEARED_TOOL_RESULT = '[Old tool result content cleared]';
const CLEARED_TOKENS = textTokens(CLEARED_TOOL_RESULT);

/**
 * L0: every tool result older than the `keep` newest gets the placeholder as content. Results already cleared,
 * or no larger than the placeholder, stay as they are. Returns the new messages and the tokens freed.
 */
export function microcompact(
  messages: readonly ChatMessage[],
  keep: number,
): { messages: ChatMessage[]; freed: number } {
  let seen = 0;
  let freed = 0;
  const out = [...messages];
  for (let i = out.length - 1; i >= 0; i--) {
    const message = out[i];
    if (message?.role !== 'tool') continue;
    seen += 1;
    if (seen <= keep || message.content === CLEARED_TOOL_RESULT) continue;
    const tokens = textTokens(message.content);
    if (tokens <= CLEARED_TOKENS) continue;
    out[i] = { ...message, content: CLEARED_TOOL_RESULT };
    freed += tokens - CLEARED_TOKENS;
  }
  return { messages: out, freed };
}

/** Whether microcompaction leaves this tool result as it is even when old: cleared, or no larger than that. */
export function clearedAlready(message: ChatMessage): boolean {
  return message.content === CLEARED_TOOL_RESULT || textTokens(message.content) <= CLEARED_TOKENS;
}
