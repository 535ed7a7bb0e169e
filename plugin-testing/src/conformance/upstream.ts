import type { ServerResponse } from 'node:http';
import { startLoopback } from './loopback.js';
import type { Loopback } from './loopback.js';

/** Wire formats the provider suite's loopback upstream speaks. */
export type UpstreamWire = 'openai-chat' | 'anthropic';
export const UPSTREAM_WIRES: readonly UpstreamWire[] = ['openai-chat', 'anthropic'];

/** One scripted answer: text pieces, or one tool call with argument pieces, and the usage to report. */
export interface UpstreamTurn {
  readonly text?: readonly string[];
  readonly toolCall?: { readonly id: string; readonly name: string; readonly args: readonly string[] };
  readonly usage: { readonly input: number; readonly output: number };
}

export type UpstreamReply =
  | { readonly kind: 'turn'; readonly turn: UpstreamTurn }
  | { readonly kind: 'error'; readonly status: number; readonly headers?: Readonly<Record<string, string>> };

const sse = (data: unknown, event?: string): string =>
  `${event === undefined ? '' : `event: ${event}\n`}data: ${JSON.stringify(data)}\n\n`;

function openAiChatFrames(turn: UpstreamTurn): string[] {
  const base = {
    id: 'chatcmpl-conf',
    object: 'chat.completion.chunk',
    created: 1,
    model: 'conformance-model',
  };
  const chunk = (delta: unknown, finish: string | null = null): string =>
    sse({ ...base, choices: [{ index: 0, delta, finish_reason: finish }] });
  const frames = [chunk({ role: 'assistant', content: '' })];
  for (const piece of turn.text ?? []) frames.push(chunk({ content: piece }));
  const call = turn.toolCall;
  if (call !== undefined) {
    frames.push(
      chunk({
        tool_calls: [
          { index: 0, id: call.id, type: 'function', function: { name: call.name, arguments: '' } },
        ],
      }),
    );
    for (const piece of call.args)
      frames.push(chunk({ tool_calls: [{ index: 0, function: { arguments: piece } }] }));
  }
  frames.push(chunk({}, call === undefined ? 'stop' : 'tool_calls'));
  frames.push(
    sse({
      ...base,
      choices: [],
      usage: {
        prompt_tokens: turn.usage.input,
        completion_tokens: turn.usage.output,
        total_tokens: turn.usage.input + turn.usage.output,
      },
    }),
  );
  frames.push('data: [DONE]\n\n');
  return frames;
}

function anthropicFrames(turn: UpstreamTurn): string[] {
  const ev = (type: string, body: Record<string, unknown>): string => sse({ type, ...body }, type);
  const frames = [
    ev('message_start', {
      message: {
        id: 'msg_conf',
        type: 'message',
        role: 'assistant',
        model: 'conformance-model',
        content: [],
        stop_reason: null,
        stop_sequence: null,
        usage: { input_tokens: turn.usage.input, output_tokens: 1 },
      },
    }),
  ];
  let index = 0;
  if ((turn.text ?? []).length > 0) {
    frames.push(ev('content_block_start', { index, content_block: { type: 'text', text: '' } }));
    for (const piece of turn.text ?? [])
      frames.push(ev('content_block_delta', { index, delta: { type: 'text_delta', text: piece } }));
    frames.push(ev('content_block_stop', { index }));
    index += 1;
  }
  const call = turn.toolCall;
  if (call !== undefined) {
    frames.push(
      ev('content_block_start', {
        index,
        content_block: { type: 'tool_use', id: call.id, name: call.name, input: {} },
      }),
    );
    for (const piece of call.args)
      frames.push(
        ev('content_block_delta', { index, delta: { type: 'input_json_delta', partial_json: piece } }),
      );
    frames.push(ev('content_block_stop', { index }));
  }
  frames.push(
    ev('message_delta', {
      delta: { stop_reason: call === undefined ? 'end_turn' : 'tool_use', stop_sequence: null },
      usage: { output_tokens: turn.usage.output },
    }),
  );
  frames.push(ev('message_stop', {}));
  return frames;
}

/** Error bodies as the real upstreams send them for each status. */
function errorBody(wire: UpstreamWire, status: number): unknown {
  const message = `conformance upstream says ${status}`;
  if (wire === 'anthropic') {
    const type =
      status === 429
        ? 'rate_limit_error'
        : status === 401
          ? 'authentication_error'
          : status === 503 || status === 529
            ? 'overloaded_error'
            : 'api_error';
    return { type: 'error', error: { type, message } };
  }
  const [type, code] =
    status === 429
      ? ['requests', 'rate_limit_exceeded']
      : status === 401
        ? ['invalid_request_error', 'invalid_api_key']
        : ['server_error', null];
  return { error: { message, type, param: null, code } };
}

/** Writes the body in small pieces, so a provider's stream parser sees frames cut mid-line. */
async function writeCut(res: ServerResponse, body: string): Promise<void> {
  const bytes = Buffer.from(body, 'utf8');
  for (let offset = 0, i = 0; offset < bytes.length; i += 1) {
    const size = 3 + ((i * 7) % 13);
    res.write(bytes.subarray(offset, offset + size));
    offset += size;
    await new Promise((resolve) => setImmediate(resolve));
  }
  res.end();
}

/** A model upstream on loopback: each non-GET request takes the next queued reply, else `fallback`. */
export interface Upstream extends Loopback {
  enqueue(...replies: UpstreamReply[]): void;
  /** Drops replies still queued (a provider that did not retry leaves some). */
  clear(): void;
}

export async function startUpstream(wire: UpstreamWire, fallback: UpstreamReply): Promise<Upstream> {
  const queue: UpstreamReply[] = [];
  const server = await startLoopback(async (request, res) => {
    if (request.method === 'GET') {
      // A provider asking for its model list gets one model.
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ object: 'list', data: [{ id: 'conformance-model', object: 'model' }] }));
      return;
    }
    const reply = queue.shift() ?? fallback;
    if (reply.kind === 'error') {
      res.writeHead(reply.status, { 'content-type': 'application/json', ...reply.headers });
      res.end(JSON.stringify(errorBody(wire, reply.status)));
      return;
    }
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    const frames = wire === 'anthropic' ? anthropicFrames(reply.turn) : openAiChatFrames(reply.turn);
    await writeCut(res, frames.join(''));
  });
  return {
    ...server,
    enqueue: (...replies) => {
      queue.push(...replies);
    },
    clear: () => {
      queue.length = 0;
    },
  };
}
