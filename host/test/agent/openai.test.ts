import { cpSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { startMockOpenAi, tempDir } from '@roku/test-support';
import type { MockOpenAi, OpenAiRequestBody, OpenAiTurn } from '@roku/test-support';
import { PLUGINS, REPO, cleanupAll, configFor, makeEnv, runGoal } from './helpers.js';

afterEach(cleanupAll);

/** The OpenAI wire format on loopback: a tool call to echo, then text quoting the tool's result. */
function reply(body: OpenAiRequestBody): OpenAiTurn {
  const tool = body.messages.filter((m) => m.role === 'tool').at(-1);
  if (tool !== undefined) {
    return {
      deltas: [{ role: 'assistant', content: 'The tool said ' }, { content: tool.content ?? '' }],
      finishReason: 'stop',
      usage: { prompt_tokens: 120, completion_tokens: 8 },
    };
  }
  return {
    deltas: [
      {
        role: 'assistant',
        content: null,
        tool_calls: [
          { index: 0, id: 'call_7', type: 'function', function: { name: 'echo', arguments: '{"te' } },
        ],
      },
      { tool_calls: [{ index: 0, function: { arguments: 'xt":"Oslo"}' } }] },
    ],
    finishReason: 'tool_calls',
    usage: { prompt_tokens: 100, completion_tokens: 12 },
  };
}

let api: MockOpenAi;
let origin = '';

beforeAll(async () => {
  api = await startMockOpenAi({ reply });
  origin = api.origin;
});
afterAll(() => api.close());

it('runs the official OpenAI SDK in its sandbox as the agent provider: router retry after 429, tool call, cost', async () => {
  // The example plugin, pointed at the loopback server: only the user's config may grant loopback.
  const dir = join(tempDir('openai'), 'provider-openai');
  cpSync(join(REPO, 'examples/provider-openai'), dir, {
    recursive: true,
    filter: (src) => !src.includes('node_modules'),
  });

  const config = configFor({
    devDirs: [dir, PLUGINS.echo],
    agent: { initialBackoffMs: 10, maxBackoffMs: 30_000 },
  });
  const plugins = config.plugins as Record<string, unknown>;
  plugins.settings = { '@roku/example-provider-openai': { baseURL: `${origin}/v1` } };
  plugins.grants = { '@roku/example-provider-openai': { network: [origin] } };
  const env = makeEnv(config, { OPENAI_API_KEY: 'sk-test-secret' });
  const runtime = await env.open();
  api.rateLimitNext(1, 1);
  const { result, events } = await runGoal(runtime, {
    goal: 'Weather in Oslo?',
    model: 'openai/gpt-4o-mini',
  });
  expect(result.status).toBe('succeeded');
  expect(result.message).toBe('The tool said {"text":"Oslo"}');
  const retry = events.find((e) => e.type === 'ProviderRetry');
  expect(retry).toMatchObject({ code: 'PROVIDER_RATE_LIMIT', delay_ms: 1000 });
  expect(events.some((e) => e.type === 'ToolEnd' && e.tool_name === 'echo' && !e.is_error)).toBe(true);
  expect(api.requests.at(-1)?.body.tools?.map((t) => t.function.name)).toContain('echo');
  // Cost from the manifest's prices: (100 + 120) input at $0.00015/1k + (12 + 8) output at $0.0006/1k.
  expect(result.usage.estimatedCostUsd).toBeCloseTo((220 * 0.00015 + 20 * 0.0006) / 1000, 9);
  expect(JSON.stringify(events)).not.toContain('sk-test-secret');
});
