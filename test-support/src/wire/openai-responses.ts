import { sseFrame } from './server.js';
import { finishOf } from './turn.js';
import type { WireTurn } from './turn.js';

/** The turn as a Responses API event stream (`event: response.*` frames ending in response.completed). */
export function responsesFrames(turn: WireTurn): string[] {
  const model = turn.model ?? 'gpt-5';
  let seq = 0;
  const ev = (type: string, body: Record<string, unknown>): string =>
    sseFrame({ type, sequence_number: (seq += 1), ...body }, type);
  const response = (status: string, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
    id: 'resp_1',
    object: 'response',
    created_at: 1,
    model,
    status,
    output: [],
    ...extra,
  });
  const frames = [ev('response.created', { response: response('in_progress') })];
  let output = 0;
  if ((turn.reasoning ?? []).length > 0) {
    frames.push(
      ev('response.output_item.added', {
        output_index: output,
        item: { type: 'reasoning', id: 'rs_1', summary: [] },
      }),
    );
    for (const piece of turn.reasoning ?? []) {
      frames.push(
        ev('response.reasoning_summary_text.delta', {
          item_id: 'rs_1',
          output_index: output,
          summary_index: 0,
          delta: piece,
        }),
      );
    }
    output += 1;
  }
  if ((turn.text ?? []).length > 0) {
    frames.push(
      ev('response.output_item.added', {
        output_index: output,
        item: { type: 'message', id: 'msg_1', role: 'assistant', status: 'in_progress', content: [] },
      }),
    );
    for (const [i, piece] of (turn.text ?? []).entries()) {
      frames.push(
        ev('response.output_text.delta', {
          item_id: 'msg_1',
          output_index: output,
          content_index: 0,
          delta: piece,
        }),
      );
      if (turn.pings === true) frames.push(': keep-alive\n\n');
      if (i === 0 && turn.errorMidStream !== undefined) {
        frames.push(
          sseFrame(
            {
              type: 'error',
              code: turn.errorMidStream.type,
              message: turn.errorMidStream.message,
              param: null,
            },
            'error',
          ),
        );
        return frames;
      }
    }
    output += 1;
  }
  for (const call of turn.toolCalls ?? []) {
    const item = {
      type: 'function_call',
      id: `fc_${call.id}`,
      call_id: call.id,
      name: call.name,
      arguments: '',
    };
    frames.push(ev('response.output_item.added', { output_index: output, item }));
    for (const piece of call.args) {
      frames.push(
        ev('response.function_call_arguments.delta', {
          item_id: item.id,
          output_index: output,
          delta: piece,
        }),
      );
    }
    output += 1;
  }
  if (turn.truncate === true) return frames;
  const usage =
    turn.usage === undefined
      ? null
      : {
          input_tokens: turn.usage.input,
          output_tokens: turn.usage.output,
          total_tokens: turn.usage.input + turn.usage.output,
          input_tokens_details: { cached_tokens: turn.usage.cacheRead ?? 0 },
          output_tokens_details: { reasoning_tokens: turn.usage.reasoning ?? 0 },
        };
  frames.push(
    finishOf(turn) === 'length'
      ? ev('response.incomplete', {
          response: response('incomplete', { usage, incomplete_details: { reason: 'max_output_tokens' } }),
        })
      : ev('response.completed', { response: response('completed', { usage }) }),
  );
  return frames;
}
