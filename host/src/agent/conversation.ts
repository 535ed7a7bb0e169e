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

export function resultText(value: unknown): string {
  if (typeof value === 'string') return value;
  try {
    // JSON.stringify returns undefined for undefined, functions and symbols, whatever its type says.
    const json = JSON.stringify(value) as string | undefined;
    return json ?? 'null';
  } catch {
    return String(value);
  }
}

/**
 * A context engine's messages, checked: non-empty, no longer than what it was given, known roles, string
 * content, and every tool result answering a call made before it. Undefined when anything is off.
 */
export function validMessages(
  messages: unknown,
  original: readonly ChatMessage[],
): ChatMessage[] | undefined {
  if (!Array.isArray(messages) || messages.length === 0 || messages.length > original.length)
    return undefined;
  const calls = new Set<string>();
  const out: ChatMessage[] = [];
  for (const raw of messages as unknown[]) {
    if (raw === null || typeof raw !== 'object') return undefined;
    const m = raw as Record<string, unknown>;
    if (typeof m.content !== 'string') return undefined;
    if (m.role === 'tool') {
      if (typeof m.toolCallId !== 'string' || !calls.has(m.toolCallId)) return undefined;
      out.push({ role: 'tool', content: m.content, toolCallId: m.toolCallId, isError: m.isError === true });
    } else if (m.role === 'assistant') {
      const toolCalls = Array.isArray(m.toolCalls) ? (m.toolCalls as ToolCall[]) : [];
      for (const c of toolCalls) {
        if (typeof c !== 'object' || typeof c.id !== 'string' || typeof c.name !== 'string') return undefined;
        calls.add(c.id);
      }
      out.push(
        toolCalls.length > 0
          ? { role: 'assistant', content: m.content, toolCalls }
          : { role: 'assistant', content: m.content },
      );
    } else if (m.role === 'user' || m.role === 'system') {
      out.push({ role: m.role, content: m.content });
    } else {
      return undefined;
    }
  }
  return out;
}
