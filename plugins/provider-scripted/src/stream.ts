import type { ChatStreamEvent, PluginContext, TokenUsage } from '@roku/plugin-api';
import type { Answer } from './answer.js';

/** Longest argumentsDelta of one event; the host caps an emitted event at 64 KiB of JSON. */
const MAX_ARGUMENTS_DELTA = 16_000;

/** Cuts text into pieces of at most `size` UTF-16 units without splitting a surrogate pair. */
export function splitText(text: string, size: number): string[] {
  const pieces: string[] = [];
  let at = 0;
  while (at < text.length) {
    let end = Math.min(at + size, text.length);
    if (end < text.length && end - at > 1 && /[\uD800-\uDBFF]/.test(text.charAt(end - 1))) end -= 1;
    pieces.push(text.slice(at, end));
    at = end;
  }
  return pieces;
}

/** The deltas of an answer as a provider streams them: text chunks, then each tool call in one or two pieces. */
export function answerEvents(answer: Answer, chunkChars: number): ChatStreamEvent[] {
  const events: ChatStreamEvent[] = splitText(answer.content, chunkChars).map((text) => ({
    type: 'text-delta',
    text,
  }));
  answer.toolCalls.forEach((call, index) => {
    const json = JSON.stringify(call.arguments);
    const half = json.length < 2 ? json.length : Math.ceil(json.length / 2);
    const pieces = splitText(json, Math.min(half, MAX_ARGUMENTS_DELTA));
    const [first = '', ...rest] = pieces;
    events.push({ type: 'tool-call-delta', index, id: call.id, name: call.name, argumentsDelta: first });
    for (const piece of rest) events.push({ type: 'tool-call-delta', index, argumentsDelta: piece });
  });
  return events;
}

/** Resolves after `ms` milliseconds (at once for 0). */
export const sleep = (ms: number): Promise<void> =>
  ms <= 0 ? Promise.resolve() : new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Streams an answer through ctx.emit, spreading `delayMs` over its deltas, then emits the usage. When the host
 * takes no events for this call (emit unavailable) the answer is still returned, just not streamed.
 */
export async function streamAnswer(
  ctx: PluginContext,
  answer: Answer,
  usage: TokenUsage,
  options: { readonly chunkChars: number; readonly delayMs: number },
): Promise<void> {
  const events = answerEvents(answer, options.chunkChars);
  let streaming = true;
  const emit = async (event: ChatStreamEvent): Promise<void> => {
    if (!streaming) return;
    try {
      await ctx.emit(event);
    } catch (err) {
      if ((err as { code?: unknown }).code !== 'ROKU_CAPABILITY_UNAVAILABLE') throw err;
      streaming = false;
    }
  };
  if (events.length === 0) await sleep(options.delayMs);
  const each = events.length === 0 ? 0 : Math.floor(options.delayMs / events.length);
  const extra = events.length === 0 ? 0 : options.delayMs - each * events.length;
  for (const [i, event] of events.entries()) {
    await sleep(i === 0 ? each + extra : each);
    await emit(event);
  }
  await emit({ type: 'usage', usage });
}
