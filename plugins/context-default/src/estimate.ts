import type { ChatMessage } from '@roku/plugin-api';

/** Bytes of the UTF-8 encoding of a string, without encoding it. */
export function utf8Bytes(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit < 0x80) bytes += 1;
    else if (unit < 0x800) bytes += 2;
    else if (unit >= 0xd800 && unit <= 0xdbff && i + 1 < text.length) {
      // A surrogate pair is one 4-byte character.
      bytes += 4;
      i += 1;
    } else bytes += 3;
  }
  return bytes;
}

/**
 * Whether a text is JSON by its start: `{` then `"` or `}`, or `[` then a JSON value or `]`. Texts such as
 * `[Conversation summary]` start with a bracket but are prose.
 */
export function looksLikeJson(text: string): boolean {
  const start = /^\s*([[{])\s*(\S?)/.exec(text);
  if (start === null) return false;
  const next = start[2] ?? '';
  return start[1] === '{' ? next === '"' || next === '}' || next === '' : /^$|[\]{["\d\-tfn]/.test(next);
}

/** Estimated tokens of a text: UTF-8 bytes ÷ 4, or ÷ 2 for JSON (which tokenizes densely), rounded up. */
export function textTokens(text: string): number {
  return Math.ceil(utf8Bytes(text) / (looksLikeJson(text) ? 2 : 4));
}

/** Estimates of messages already counted: messages are never changed in place, and a session's are kept. */
const counted = new WeakMap<ChatMessage, number>();

/** Estimated tokens of a message: its content plus the JSON of its tool calls' arguments. */
export function messageTokens(message: ChatMessage): number {
  const known = counted.get(message);
  if (known !== undefined) return known;
  let tokens = textTokens(message.content);
  for (const call of message.toolCalls ?? []) tokens += textTokens(JSON.stringify(call.arguments ?? {}));
  counted.set(message, tokens);
  return tokens;
}

export function estimateTokens(messages: readonly ChatMessage[]): number {
  let tokens = 0;
  for (const message of messages) tokens += messageTokens(message);
  return tokens;
}
