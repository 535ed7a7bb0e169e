import { sseFrame } from './server.js';
import { finishOf } from './turn.js';
import type { WireTurn } from './turn.js';

/** The turn as a Chat Completions SSE stream (`data: {chunk}` frames, usage chunk, `data: [DONE]`). */
export function chatCompletionsFrames(turn: WireTurn): string[] {
  const model = turn.model ?? 'gpt-4o-mini';
  const base = { id: 'chatcmpl-1', object: 'chat.completion.chunk', created: 1, model };
  const chunk = (delta: unknown, finish: string | null = null): string =>
    sseFrame({ ...base, choices: [{ index: 0, delta, finish_reason: finish }] });
  const frames = [chunk({ role: 'assistant', content: '' })];
  for (const [i, piece] of (turn.text ?? []).entries()) {
    frames.push(chunk({ content: piece }));
    if (turn.pings === true) frames.push(': keep-alive\n\n');
    if (i === 0 && turn.errorMidStream !== undefined) {
      frames.push(
        sseFrame({ error: { message: turn.errorMidStream.message, type: turn.errorMidStream.type } }),
      );
      return frames;
    }
  }
  for (const [index, call] of (turn.toolCalls ?? []).entries()) {
    frames.push(
      chunk({
        tool_calls: [{ index, id: call.id, type: 'function', function: { name: call.name, arguments: '' } }],
      }),
    );
    for (const piece of call.args)
      frames.push(chunk({ tool_calls: [{ index, function: { arguments: piece } }] }));
  }
  if (turn.truncate === true) return frames;
  frames.push(chunk({}, finishOf(turn)));
  if (turn.usage !== undefined) {
    frames.push(
      sseFrame({
        ...base,
        choices: [],
        usage: {
          prompt_tokens: turn.usage.input,
          completion_tokens: turn.usage.output,
          total_tokens: turn.usage.input + turn.usage.output,
          prompt_tokens_details: { cached_tokens: turn.usage.cacheRead ?? 0 },
          completion_tokens_details: { reasoning_tokens: turn.usage.reasoning ?? 0 },
        },
      }),
    );
  }
  frames.push('data: [DONE]\n\n');
  return frames;
}
