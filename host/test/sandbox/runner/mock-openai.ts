/** A loopback server speaking the OpenAI chat.completions SSE wire format (one scripted tool-call stream). */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface MockOpenAI {
  readonly origin: string;
  readonly requests: {
    path: string | undefined;
    authorization: string | undefined;
    stream: boolean;
    model: string;
  }[];
  close(): Promise<void>;
}

const pause = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export async function startMockOpenAI(): Promise<MockOpenAI> {
  const requests: MockOpenAI['requests'] = [];
  const server = createServer((req, res) => {
    let raw = '';
    req.on('data', (c: Buffer) => (raw += c.toString()));
    req.on('end', () => {
      const body = JSON.parse(raw || '{}') as { model: string; stream?: boolean };
      requests.push({
        path: req.url,
        authorization: req.headers.authorization,
        stream: body.stream === true,
        model: body.model,
      });
      res.writeHead(200, {
        'content-type': 'text/event-stream',
        'cache-control': 'no-cache',
        'x-request-id': 'req_1',
      });
      const base = {
        id: 'chatcmpl-1',
        object: 'chat.completion.chunk',
        created: 1700000000,
        model: body.model,
        system_fingerprint: 'fp_x',
      };
      const delta = (d: unknown, finish: string | null = null): unknown => ({
        ...base,
        choices: [{ index: 0, delta: d, logprobs: null, finish_reason: finish }],
      });
      const chunks = [
        delta({ role: 'assistant', content: '' }),
        delta({ content: 'Let me ' }),
        delta({ content: 'check ✓.' }),
        delta({
          tool_calls: [
            { index: 0, id: 'call_abc', type: 'function', function: { name: 'get_weather', arguments: '' } },
          ],
        }),
        delta({ tool_calls: [{ index: 0, function: { arguments: '{"city":' } }] }),
        delta({ tool_calls: [{ index: 0, function: { arguments: '"Paris"}' } }] }),
        delta({}, 'tool_calls'),
        { ...base, choices: [], usage: { prompt_tokens: 12, completion_tokens: 9, total_tokens: 21 } },
      ];
      void (async () => {
        for (const c of chunks) {
          const event = `data: ${JSON.stringify(c)}\n\n`;
          // split events across writes to exercise the SDK's SSE line decoder
          res.write(event.slice(0, 17));
          await pause(1);
          res.write(event.slice(17));
          await pause(2);
        }
        res.end('data: [DONE]\n\n');
      })();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    close: () =>
      new Promise((resolve) => {
        server.close(() => {
          resolve();
        });
      }),
  };
}
