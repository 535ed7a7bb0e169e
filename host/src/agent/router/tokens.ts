import type { ChatRequest } from '@roku/schemas';

/**
 * Token estimation without a tokenizer (spec §5.8): ordinary text and code cost UTF-8 bytes ÷ 4, CJK text
 * bytes ÷ 3 (about one token per character), JSON and XML bytes ÷ 2. The error target is ≤ 20 % for English
 * and ≤ 30 % for CJK; the agent loop calibrates the estimate against reported usage.
 */

/** Tokens a message costs besides its content (role markers, separators). */
export const MESSAGE_OVERHEAD_TOKENS = 4;

/**
 * Estimated tokens of prose or code; CJK characters count bytes ÷ 3, everything else bytes ÷ 4.
 * @example estimateTokens('hello world!') // 3
 */
export function estimateTokens(text: string): number {
  let plainBytes = 0;
  let cjkBytes = 0;
  for (let i = 0; i < text.length; i += 1) {
    const unit = text.charCodeAt(i);
    if (unit < 0x80) {
      plainBytes += 1;
    } else if (unit < 0x800) {
      plainBytes += 2;
    } else if (unit >= 0xd800 && unit <= 0xdbff && i + 1 < text.length) {
      // A surrogate pair is one 4-byte code point; the CJK extension planes (U+20000–U+3FFFF) count as CJK.
      const point = text.codePointAt(i) ?? unit;
      i += 1;
      if (point >= 0x20000 && point <= 0x3ffff) cjkBytes += 4;
      else plainBytes += 4;
    } else if (isCjk(unit)) {
      cjkBytes += 3;
    } else {
      plainBytes += 3;
    }
  }
  return Math.ceil(plainBytes / 4 + cjkBytes / 3);
}

/** Estimated tokens of JSON (or XML) text, or of a value serialised as JSON: bytes ÷ 2. */
export function estimateJsonTokens(value: unknown): number {
  const text = typeof value === 'string' ? value : (JSON.stringify(value) as string | undefined);
  return text === undefined ? 0 : Math.ceil(Buffer.byteLength(text) / 2);
}

type Message = ChatRequest['messages'][number];
type Tools = NonNullable<ChatRequest['tools']>;

// Estimates per message and per tool list, by identity: a conversation's messages and a catalog's frozen
// definitions are the same objects from one model call to the next, so a step costs what it added, not the
// whole session. Weak keys: nothing is kept alive. Messages are never changed in place once sent.
const messageTokens = new WeakMap<Message, number>();
const toolsTokens = new WeakMap<Tools, number>();

/** Estimated tokens of one message: content (JSON-looking at the JSON rate), tool calls, overhead. */
export function estimateMessageTokens(message: Message): number {
  const cached = messageTokens.get(message);
  if (cached !== undefined) return cached;
  let total = MESSAGE_OVERHEAD_TOKENS;
  total += looksStructured(message.content)
    ? estimateJsonTokens(message.content)
    : estimateTokens(message.content);
  for (const call of message.toolCalls ?? []) {
    total += estimateTokens(call.name) + estimateJsonTokens(call.arguments ?? {});
  }
  messageTokens.set(message, total);
  return total;
}

function estimateToolsTokens(tools: Tools): number {
  const cached = toolsTokens.get(tools);
  if (cached !== undefined) return cached;
  const total = estimateJsonTokens(tools);
  toolsTokens.set(tools, total);
  return total;
}

/**
 * Estimated prompt tokens of a request: each message's content (JSON-looking content, typically tool results,
 * at the JSON rate), its tool calls' arguments and the tool definitions at the JSON rate, plus
 * MESSAGE_OVERHEAD_TOKENS per message. Remembered per message and per tool list object (see above).
 */
export function estimateRequestTokens(request: Pick<ChatRequest, 'messages' | 'tools'>): number {
  let total = 0;
  for (const message of request.messages) total += estimateMessageTokens(message);
  if (request.tools !== undefined && request.tools.length > 0) total += estimateToolsTokens(request.tools);
  return total;
}

function isCjk(unit: number): boolean {
  return (
    (unit >= 0x1100 && unit <= 0x11ff) || // Hangul Jamo
    (unit >= 0x2e80 && unit <= 0x2fdf) || // CJK radicals, Kangxi
    (unit >= 0x3000 && unit <= 0x33ff) || // CJK punctuation, kana, bopomofo, compatibility
    (unit >= 0x3400 && unit <= 0x4dbf) || // CJK extension A
    (unit >= 0x4e00 && unit <= 0x9fff) || // CJK unified ideographs
    (unit >= 0xa960 && unit <= 0xa97f) || // Hangul Jamo extended A
    (unit >= 0xac00 && unit <= 0xd7ff) || // Hangul syllables, Jamo extended B
    (unit >= 0xf900 && unit <= 0xfaff) || // CJK compatibility ideographs
    (unit >= 0xff00 && unit <= 0xffef) // half- and full-width forms
  );
}

/** JSON objects/arrays and XML-ish markup, judged by the first and last non-blank characters. */
function looksStructured(text: string): boolean {
  const trimmed = text.trim();
  if (trimmed.length < 2) return false;
  const first = trimmed[0];
  const last = trimmed[trimmed.length - 1];
  return (
    (first === '{' && last === '}') || (first === '[' && last === ']') || (first === '<' && last === '>')
  );
}
