import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { PLUGINS, REPO, cleanupAll, configFor, makeEnv, runGoal } from './helpers.js';

afterEach(cleanupAll);

interface Body {
  messages: { role: string; content?: string }[];
  tools?: { function: { name: string } }[];
}

/** The OpenAI Chat Completions wire format on loopback: a 429 first, then SSE with a tool call, then text. */
let server: Server;
let origin = '';
const seen: Body[] = [];
let rateLimitFirst = 0;

function sse(res: import('node:http').ServerResponse, chunks: unknown[]): void {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  const base = {
    id: 'chatcmpl-1',
    object: 'chat.completion.chunk',
    created: 1_700_000_000,
    model: 'gpt-4o-mini',
  };
  for (const c of chunks) res.write(`data: ${JSON.stringify({ ...base, ...(c as object) })}\n\n`);
  res.end('data: [DONE]\n\n');
}

beforeAll(async () => {
  server = createServer((req, res) => {
    let raw = '';
    req.on('data', (d: Buffer) => (raw += d.toString()));
    req.on('end', () => {
      const body = JSON.parse(raw) as Body;
      seen.push(body);
      if (rateLimitFirst > 0) {
        rateLimitFirst -= 1;
        res.writeHead(429, { 'content-type': 'application/json', 'retry-after': '1' });
        res.end(JSON.stringify({ error: { message: 'Rate limit reached', code: 'rate_limit_exceeded' } }));
        return;
      }
      const answered = body.messages.some((m) => m.role === 'tool');
      if (answered) {
        const tool = body.messages.filter((m) => m.role === 'tool').at(-1)?.content ?? '';
        sse(res, [
          {
            choices: [
              { index: 0, delta: { role: 'assistant', content: 'The tool said ' }, finish_reason: null },
            ],
          },
          { choices: [{ index: 0, delta: { content: tool }, finish_reason: 'stop' }] },
          { choices: [], usage: { prompt_tokens: 120, completion_tokens: 8, total_tokens: 128 } },
        ]);
        return;
      }
      sse(res, [
        {
          choices: [
            {
              index: 0,
              delta: {
                role: 'assistant',
                content: null,
                tool_calls: [
                  { index: 0, id: 'call_7', type: 'function', function: { name: 'echo', arguments: '{"te' } },
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
              delta: { tool_calls: [{ index: 0, function: { arguments: 'xt":"Oslo"}' } }] },
              finish_reason: null,
            },
          ],
        },
        { choices: [{ index: 0, delta: {}, finish_reason: 'tool_calls' }] },
        { choices: [], usage: { prompt_tokens: 100, completion_tokens: 12, total_tokens: 112 } },
      ]);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => {
  server.close();
});

it('runs the official OpenAI SDK in its sandbox as the agent provider: router retry after 429, tool call, cost', async () => {
  // The example plugin, granted the loopback origin instead of api.openai.com.
  const dir = join(mkdtempSync(join(tmpdir(), 'roku-openai-')), 'provider-openai');
  cpSync(join(REPO, 'examples/provider-openai'), dir, {
    recursive: true,
    filter: (src) => !src.includes('node_modules'),
  });
  const manifestFile = join(dir, 'roku.plugin.json');
  const manifest = JSON.parse(readFileSync(manifestFile, 'utf8')) as { permissions: Record<string, unknown> };
  manifest.permissions = { ...manifest.permissions, network: [origin] };
  writeFileSync(manifestFile, JSON.stringify(manifest));

  const config = configFor({
    devDirs: [dir, PLUGINS.echo],
    agent: { initialBackoffMs: 10, maxBackoffMs: 30_000 },
  });
  const plugins = config.plugins as Record<string, unknown>;
  plugins.settings = { '@roku/example-provider-openai': { baseURL: `${origin}/v1` } };
  const env = makeEnv(config, { OPENAI_API_KEY: 'sk-test-secret' });
  const runtime = await env.open();
  rateLimitFirst = 1;
  const { result, events } = await runGoal(runtime, {
    goal: 'Weather in Oslo?',
    model: 'openai/gpt-4o-mini',
  });
  expect(result.status).toBe('succeeded');
  expect(result.message).toBe('The tool said {"text":"Oslo"}');
  const retry = events.find((e) => e.type === 'ProviderRetry');
  expect(retry).toMatchObject({ code: 'PROVIDER_RATE_LIMIT', delay_ms: 1000 });
  expect(events.some((e) => e.type === 'ToolEnd' && e.tool_name === 'echo' && !e.is_error)).toBe(true);
  expect(seen.at(-1)?.tools?.map((t) => t.function.name)).toContain('echo');
  // Cost from the manifest's prices: (100 + 120) input at $0.00015/1k + (12 + 8) output at $0.0006/1k.
  expect(result.usage.estimatedCostUsd).toBeCloseTo((220 * 0.00015 + 20 * 0.0006) / 1000, 9);
  expect(JSON.stringify(events)).not.toContain('sk-test-secret');
});
