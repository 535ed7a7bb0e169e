import type { ChatMessage } from '@roku/plugin-api';

/** The leading system messages, which always stay first, and the rest. */
export function splitLead(messages: readonly ChatMessage[]): { lead: ChatMessage[]; body: ChatMessage[] } {
  let n = 0;
  while (n < messages.length && messages[n]?.role === 'system') n += 1;
  return { lead: messages.slice(0, n), body: messages.slice(n) };
}

/**
 * valid[i] is true when keeping body.slice(i) orphans no tool result: it does not start with a tool message and
 * every tool message in it answers a call of an assistant message in it. valid[0] and valid[body.length] are
 * always true.
 */
export function validCuts(body: readonly ChatMessage[]): boolean[] {
  const owner: number[] = body.map((message, j) => {
    if (message.role !== 'tool') return j;
    for (let i = j - 1; i >= 0; i--) {
      if (body[i]?.toolCalls?.some((call) => call.id === message.toolCallId) === true) return i;
    }
    // A result whose call is nowhere: nothing to keep it with.
    return j;
  });
  const valid = new Array<boolean>(body.length + 1).fill(true);
  let minOwner = body.length;
  for (let i = body.length - 1; i >= 0; i--) {
    minOwner = Math.min(minOwner, owner[i] ?? i);
    valid[i] = i === 0 || (minOwner >= i && body[i]?.role !== 'tool');
  }
  return valid;
}

export function lastValidAtOrBefore(valid: readonly boolean[], index: number): number {
  let i = index;
  while (i > 0 && valid[i] !== true) i -= 1;
  return i;
}

/**
 * Where the part that is never collapsed starts: the last user message (or, without one, the last message),
 * moved back if needed so that no tool result is cut from its call.
 */
export function protectedStart(body: readonly ChatMessage[], valid: readonly boolean[]): number {
  let lastUser = -1;
  for (let i = body.length - 1; i >= 0; i--) {
    if (body[i]?.role === 'user') {
      lastUser = i;
      break;
    }
  }
  const start = lastUser >= 0 ? lastUser : Math.max(0, body.length - 1);
  return lastValidAtOrBefore(valid, start);
}
