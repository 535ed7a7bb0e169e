import { sseFrame } from './server.js';
import { finishOf } from './turn.js';
import type { WireTurn } from './turn.js';

const STOP = { stop: 'end_turn', tool_calls: 'tool_use', length: 'max_tokens' } as const;

/** The turn as an Anthropic Messages event stream (message_start … content blocks … message_stop). */
export function anthropicFrames(turn: WireTurn): string[] {
  const ev = (type: string, body: Record<string, unknown>): string => sseFrame({ type, ...body }, type);
  const usage = turn.usage ?? { input: 0, output: 0 };
  const frames = [
    ev('message_start', {
      message: {
        id: 'msg_1',
        type: 'message',
        role: 'assistant',
        model: turn.model ?? 'claude-sonnet-4-6',
        content: [],
        stop_reason: null,
        stop_sequence: null,
        usage: {
          input_tokens: usage.input,
          output_tokens: 1,
          cache_creation_input_tokens: usage.cacheWrite ?? 0,
          cache_read_input_tokens: usage.cacheRead ?? 0,
        },
      },
    }),
  ];
  let index = 0;
  if ((turn.reasoning ?? []).length > 0) {
    frames.push(
      ev('content_block_start', { index, content_block: { type: 'thinking', thinking: '', signature: '' } }),
    );
    for (const piece of turn.reasoning ?? []) {
      frames.push(ev('content_block_delta', { index, delta: { type: 'thinking_delta', thinking: piece } }));
    }
    frames.push(ev('content_block_delta', { index, delta: { type: 'signature_delta', signature: 'sig-1' } }));
    frames.push(ev('content_block_stop', { index }));
    index += 1;
  }
  if ((turn.text ?? []).length > 0) {
    frames.push(ev('content_block_start', { index, content_block: { type: 'text', text: '' } }));
    for (const [i, piece] of (turn.text ?? []).entries()) {
      frames.push(ev('content_block_delta', { index, delta: { type: 'text_delta', text: piece } }));
      if (turn.pings === true) frames.push(ev('ping', {}));
      if (i === 0 && turn.errorMidStream !== undefined) {
        frames.push(
          ev('error', { error: { type: turn.errorMidStream.type, message: turn.errorMidStream.message } }),
        );
        return frames;
      }
    }
    frames.push(ev('content_block_stop', { index }));
    index += 1;
  }
  for (const call of turn.toolCalls ?? []) {
    frames.push(
      ev('content_block_start', {
        index,
        content_block: { type: 'tool_use', id: call.id, name: call.name, input: {} },
      }),
    );
    for (const piece of call.args) {
      frames.push(
        ev('content_block_delta', { index, delta: { type: 'input_json_delta', partial_json: piece } }),
      );
    }
    frames.push(ev('content_block_stop', { index }));
    index += 1;
  }
  if (turn.truncate === true) return frames;
  frames.push(
    ev('message_delta', {
      delta: { stop_reason: STOP[finishOf(turn)], stop_sequence: null },
      usage: { output_tokens: usage.output },
    }),
  );
  frames.push(ev('message_stop', {}));
  return frames;
}
