import type { ChatMessage, ToolCall } from '@roku/schemas';

/** The result given to a call that never ran (interrupted or failed run), so the conversation stays valid. */
export const CLEARED = '[interrupted: this call did not run]';

/** Calls of the last assistant message that have no result yet, in order. */
export function pendingCalls(messages: readonly ChatMessage[]): ToolCall[] {
  for (let i = messages.length - 1; i >= 0; i--) {
    const m = messages[i];
    if (m === undefined) continue;
    if (m.role === 'assistant') {
      const answered = new Set(
        messages
          .slice(i + 1)
          .flatMap((r) => (r.role === 'tool' && r.toolCallId !== undefined ? [r.toolCallId] : [])),
      );
      return (m.toolCalls ?? []).filter((c) => !answered.has(c.id));
    }
    if (m.role === 'user') return [];
  }
  return [];
}

/** Results for calls that never ran, so that the conversation stays valid for every provider. */
export function closeDanglingCalls(messages: readonly ChatMessage[], text = CLEARED): ChatMessage[] {
  return pendingCalls(messages).map((c) => ({
    role: 'tool',
    toolCallId: c.id,
    content: text,
    isError: true,
  }));
}

/** Unicode code points: limits count characters, not UTF-16 units or bytes (an emoji is one). */
export function codePoints(text: string): string[] {
  return Array.from(text);
}

export function truncateChars(text: string, max: number): string {
  const chars = codePoints(text);
  if (chars.length <= max) return text;
  return `${chars.slice(0, max).join('')}\n[truncated: ${max} of ${chars.length} characters shown]`;
}
