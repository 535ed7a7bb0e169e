import { createServer } from 'node:http';
import type { IncomingHttpHeaders, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestHost } from '@roku/plugin-testing';
import type { TestHost } from '@roku/plugin-testing';

const dir = fileURLToPath(new URL('..', import.meta.url));

interface Seen {
  headers: IncomingHttpHeaders;
  body: { model: string; stream: boolean; tools?: unknown[]; messages: unknown[] };
}

/** A loopback server speaking the OpenAI Chat Completions streaming wire format. */
function openAiServer(): Promise<{
  server: Server;
  origin: string;
  seen: Seen[];
  failFirst: { count: number };
}> {
  const seen: Seen[] = [];
  const failFirst = { count: 0 };
  const server = createServer((req, res) => {
    let raw = '';
    req.on('data', (chunk: Buffer) => (raw += chunk.toString()));
    req.on('end', () => {
      seen.push({ headers: req.headers, body: JSON.parse(raw) as Seen['body'] });
      if (failFirst.count > 0) {
        failFirst.count -= 1;
        res.writeHead(429, { 'content-type': 'application/json', 'retry-after': '0' });
        res.end(
          JSON.stringify({
            error: { message: 'Rate limit reached', type: 'requests', code: 'rate_limit_exceeded' },
          }),
        );
        return;
      }
      res.writeHead(200, {
        'content-type': 'text/event-stream',
        'cache-control': 'no-cache',
        'x-request-id': 'req_1',
      });
      const base = {
        id: 'chatcmpl-1',
        object: 'chat.completion.chunk',
        created: 1_700_000_000,
        model: 'gpt-4o-mini',
      };
      const chunks = [
        { choices: [{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }] },
        { choices: [{ index: 0, delta: { content: 'Checking ' }, finish_reason: null }] },
        { choices: [{ index: 0, delta: { content: 'the weather.' }, finish_reason: null }] },
        {
          choices: [
            {
              index: 0,
              delta: {
                tool_calls: [
                  {
                    index: 0,
                    id: 'call_1',
                    type: 'function',
                    function: { name: 'weather', arguments: '{"ci' },
                  },
                ],
              },
              finish_reason: null,
            },
          ],
        },
        {
          choices: [
            {
              index: 0,
              delta: { tool_calls: [{ index: 0, function: { arguments: 'ty":"Oslo"}' } }] },
              finish_reason: null,
            },
          ],
        },
        { choices: [{ index: 0, delta: {}, finish_reason: 'tool_calls' }] },
        { choices: [], usage: { prompt_tokens: 42, completion_tokens: 9, total_tokens: 51 } },
      ];
      for (const chunk of chunks) res.write(`data: ${JSON.stringify({ ...base, ...chunk })}\n\n`);
      res.end('data: [DONE]\n\n');
    });
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      resolve({ server, origin: `http://127.0.0.1:${port}`, seen, failFirst });
    });
  });
}

let host: TestHost;
let api: Awaited<ReturnType<typeof openAiServer>>;

beforeAll(async () => {
  api = await openAiServer();
  host = await createTestHost({ env: { OPENAI_API_KEY: 'sk-test-secret' } });
});
afterAll(async () => {
  await host.close();
  api.server.close();
});

const request = {
  model: 'gpt-4o-mini',
  messages: [{ role: 'user', content: 'Weather in Oslo?' }],
  tools: [{ name: 'weather', description: 'Weather for a city.', inputSchema: { type: 'object' } }],
};

describe('openai provider in the isolate', () => {
  it('streams a chat completion through the host fetch, with tool calls and usage', async () => {
    const plugin = await host.load(dir, {
      permissions: { network: [api.origin], secrets: ['OPENAI_API_KEY'] },
    });
    const response = await plugin.call('provider:openai:chat', request, {
      baseURL: `${api.origin}/v1`,
      maxRetries: 0,
    });
    expect(response).toEqual({
      message: {
        role: 'assistant',
        content: 'Checking the weather.',
        toolCalls: [{ id: 'call_1', name: 'weather', arguments: { city: 'Oslo' } }],
      },
      finishReason: 'tool_calls',
      usage: { inputTokens: 42, outputTokens: 9, cacheReadTokens: 0 },
      model: 'gpt-4o-mini',
    });
    expect(plugin.events).toContainEqual({ type: 'text-delta', text: 'Checking ' });
    expect(plugin.events).toContainEqual({
      type: 'tool-call-delta',
      index: 0,
      argumentsDelta: 'ty":"Oslo"}',
    });
    const last = api.seen.at(-1);
    expect(last?.headers.authorization).toBe('Bearer sk-test-secret');
    expect(last?.body).toMatchObject({ model: 'gpt-4o-mini', stream: true });
    expect(JSON.stringify(plugin.events)).not.toContain('sk-test-secret');
  });

  it('retries a 429 as the SDK does, then succeeds', async () => {
    const plugin = await host.load(dir, {
      permissions: { network: [api.origin], secrets: ['OPENAI_API_KEY'] },
    });
    api.failFirst.count = 1;
    const before = api.seen.length;
    const response = await plugin.call('provider:openai:chat', request, {
      baseURL: `${api.origin}/v1`,
      maxRetries: 2,
    });
    expect(api.seen.length - before).toBe(2);
    expect(response).toMatchObject({ finishReason: 'tool_calls' });
  });

  it('reports a 429 to the host as PROVIDER_RATE_LIMIT with its Retry-After, without retrying itself', async () => {
    const plugin = await host.load(dir, {
      permissions: { network: [api.origin], secrets: ['OPENAI_API_KEY'] },
    });
    api.failFirst.count = 1;
    const before = api.seen.length;
    await expect(
      plugin.call('provider:openai:chat', request, { baseURL: `${api.origin}/v1` }),
    ).rejects.toMatchObject({
      code: 'ROKU_PLUGIN_FAILED',
      details: { pluginCode: 'PROVIDER_RATE_LIMIT', retryAfterMs: 0 },
    });
    expect(api.seen.length - before).toBe(1);
  });

  it('cannot reach the API when the manifest does not grant its origin', async () => {
    const plugin = await host.load(dir, { permissions: { secrets: ['OPENAI_API_KEY'] } });
    const before = api.seen.length;
    await expect(
      plugin.call('provider:openai:chat', request, { baseURL: `${api.origin}/v1`, maxRetries: 0 }),
    ).rejects.toMatchObject({ code: 'ROKU_PLUGIN_FAILED' });
    expect(api.seen.length).toBe(before);
  });
});
