import type { IncomingHttpHeaders, ServerResponse } from 'node:http';
import { startLoopbackServer } from './loopback.js';

/** One `choices[0].delta` of a streamed chat completion chunk, as OpenAI sends it. */
export interface OpenAiDelta {
  readonly role?: 'assistant';
  readonly content?: string | null;
  readonly tool_calls?: readonly {
    readonly index: number;
    readonly id?: string;
    readonly type?: 'function';
    readonly function: { readonly name?: string; readonly arguments: string };
  }[];
}

/** One streamed answer: its deltas, then a chunk with the finish reason, then a usage chunk. */
export interface OpenAiTurn {
  readonly deltas: readonly OpenAiDelta[];
  readonly finishReason: 'stop' | 'tool_calls' | 'length';
  readonly usage: { readonly prompt_tokens: number; readonly completion_tokens: number };
}

/** The JSON body of a chat completions request, as far as the tests read it. */
export interface OpenAiRequestBody {
  readonly model: string;
  readonly stream?: boolean;
  readonly messages: readonly { readonly role: string; readonly content?: string | null }[];
  readonly tools?: readonly { readonly function: { readonly name: string } }[];
}

export interface OpenAiRequest {
  readonly path: string | undefined;
  readonly headers: IncomingHttpHeaders;
  readonly body: OpenAiRequestBody;
}

export interface MockOpenAiOptions {
  /** The answer to a request (default: the same tool call to `get_weather` every time). */
  readonly reply?: (body: OpenAiRequestBody) => OpenAiTurn;
  /**
   * Writes each event in two pieces with a millisecond between them, so that clients must reassemble SSE lines
   * split across reads (the delay is the behaviour under test, not a wait).
   */
  readonly splitEvents?: boolean;
}

export interface MockOpenAi {
  /** `http://127.0.0.1:<port>`; the API lives under `/v1`. */
  readonly origin: string;
  /** Every request received, in order. */
  readonly requests: readonly OpenAiRequest[];
  /** Answers the next `count` requests with HTTP 429 and `Retry-After: <retryAfterSeconds>`. */
  rateLimitNext(count: number, retryAfterSeconds: number): void;
  /** Stops listening and drops open connections; also done after the test (or the file) that started it. */
  close(): Promise<void>;
}

/** A tool call to `get_weather` for Paris, preceded by some text: the default answer. */
export const WEATHER_TOOL_CALL: OpenAiTurn = {
  deltas: [
    { role: 'assistant', content: '' },
    { content: 'Let me ' },
    { content: 'check ✓.' },
    {
      tool_calls: [
        { index: 0, id: 'call_abc', type: 'function', function: { name: 'get_weather', arguments: '' } },
      ],
    },
    { tool_calls: [{ index: 0, function: { arguments: '{"city":' } }] },
    { tool_calls: [{ index: 0, function: { arguments: '"Paris"}' } }] },
  ],
  finishReason: 'tool_calls',
  usage: { prompt_tokens: 12, completion_tokens: 9 },
};

const pause = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** The SSE events of a turn in the chat.completion.chunk wire format, ending with `[DONE]`. */
function events(turn: OpenAiTurn, model: string): string[] {
  const base = {
    id: 'chatcmpl-1',
    object: 'chat.completion.chunk',
    created: 1_700_000_000,
    model,
    system_fingerprint: 'fp_x',
  };
  const chunk = (delta: OpenAiDelta, finish: string | null): unknown => ({
    ...base,
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
  });
  const usage = { ...turn.usage, total_tokens: turn.usage.prompt_tokens + turn.usage.completion_tokens };
  return [
    ...turn.deltas.map((d) => chunk(d, null)),
    chunk({}, turn.finishReason),
    { ...base, choices: [], usage },
  ]
    .map((c) => `data: ${JSON.stringify(c)}\n\n`)
    .concat('data: [DONE]\n\n');
}

async function stream(res: ServerResponse, lines: readonly string[], split: boolean): Promise<void> {
  res.writeHead(200, {
    'content-type': 'text/event-stream',
    'cache-control': 'no-cache',
    'x-request-id': 'req_1',
  });
  for (const line of lines) {
    if (!split) {
      res.write(line);
      continue;
    }
    res.write(line.slice(0, 17));
    await pause(1);
    res.write(line.slice(17));
    await pause(1);
  }
  res.end();
}

/**
 * A loopback server speaking the OpenAI Chat Completions streaming wire format (`POST /v1/chat/completions`
 * with `stream: true`), for testing providers without the real API. It records every request, answers with
 * `reply(body)` as server-sent events, and can answer with rate limits first.
 *
 * It is closed after the test (or the file) that started it.
 *
 * @example
 * const api = await startMockOpenAi({ reply: () => ({ deltas: [{ content: 'hi' }], finishReason: 'stop', usage }) });
 */
export async function startMockOpenAi(options: MockOpenAiOptions = {}): Promise<MockOpenAi> {
  const requests: OpenAiRequest[] = [];
  let rateLimited = 0;
  let retryAfter = '0';
  const server = await startLoopbackServer((request, res) => {
    const body = JSON.parse(request.body === '' ? '{}' : request.body) as OpenAiRequestBody;
    requests.push({ path: request.url, headers: request.headers, body });
    if (rateLimited > 0) {
      rateLimited -= 1;
      res.writeHead(429, { 'content-type': 'application/json', 'retry-after': retryAfter });
      res.end(
        JSON.stringify({
          error: { message: 'Rate limit reached', type: 'requests', code: 'rate_limit_exceeded' },
        }),
      );
      return;
    }
    const turn = (options.reply ?? (() => WEATHER_TOOL_CALL))(body);
    void stream(res, events(turn, body.model), options.splitEvents === true);
  });
  return {
    origin: server.origin,
    requests,
    rateLimitNext(count, retryAfterSeconds) {
      rateLimited = count;
      retryAfter = String(retryAfterSeconds);
    },
    close: () => server.close(),
  };
}
