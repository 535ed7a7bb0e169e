import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestHost } from '@roku/plugin-testing';
import type { TestHost } from '@roku/plugin-testing';
import { startMockOpenAi } from '@roku/test-support';
import type { MockOpenAi, OpenAiTurn } from '@roku/test-support';

const dir = fileURLToPath(new URL('..', import.meta.url));

/** A streamed answer in the OpenAI Chat Completions wire format: text, then a tool call in two pieces. */
const WEATHER: OpenAiTurn = {
  deltas: [
    { role: 'assistant', content: '' },
    { content: 'Checking ' },
    { content: 'the weather.' },
    {
      tool_calls: [
        { index: 0, id: 'call_1', type: 'function', function: { name: 'weather', arguments: '{"ci' } },
      ],
    },
    { tool_calls: [{ index: 0, function: { arguments: 'ty":"Oslo"}' } }] },
  ],
  finishReason: 'tool_calls',
  usage: { prompt_tokens: 42, completion_tokens: 9 },
};

let host: TestHost;
let api: MockOpenAi;

beforeAll(async () => {
  api = await startMockOpenAi({ reply: () => WEATHER });
  host = await createTestHost({ env: { OPENAI_API_KEY: 'sk-test-secret' } });
});
afterAll(async () => {
  await host.close();
  await api.close();
});

const request = {
  model: 'gpt-4o-mini',
  messages: [{ role: 'user', content: 'Weather in Oslo?' }],
  tools: [{ name: 'weather', description: 'Weather for a city.', inputSchema: { type: 'object' } }],
};

describe('openai provider in the isolate', () => {
  it('streams a chat completion through the host fetch, with tool calls and usage', async () => {
    const plugin = await host.load(dir, {
      permissions: { secrets: ['OPENAI_API_KEY'] },
      grants: { network: [api.origin] },
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
    const last = api.requests.at(-1);
    expect(last?.headers.authorization).toBe('Bearer sk-test-secret');
    expect(last?.body).toMatchObject({ model: 'gpt-4o-mini', stream: true });
    expect(JSON.stringify(plugin.events)).not.toContain('sk-test-secret');
  });

  it('retries a 429 as the SDK does, then succeeds', async () => {
    const plugin = await host.load(dir, {
      permissions: { secrets: ['OPENAI_API_KEY'] },
      grants: { network: [api.origin] },
    });
    api.rateLimitNext(1, 0);
    const before = api.requests.length;
    const response = await plugin.call('provider:openai:chat', request, {
      baseURL: `${api.origin}/v1`,
      maxRetries: 2,
    });
    expect(api.requests.length - before).toBe(2);
    expect(response).toMatchObject({ finishReason: 'tool_calls' });
  });

  it('reports a 429 to the host as PROVIDER_RATE_LIMIT with its Retry-After, without retrying itself', async () => {
    const plugin = await host.load(dir, {
      permissions: { secrets: ['OPENAI_API_KEY'] },
      grants: { network: [api.origin] },
    });
    api.rateLimitNext(1, 0);
    const before = api.requests.length;
    await expect(
      plugin.call('provider:openai:chat', request, { baseURL: `${api.origin}/v1` }),
    ).rejects.toMatchObject({
      code: 'ROKU_PLUGIN_FAILED',
      details: { pluginCode: 'PROVIDER_RATE_LIMIT', retryAfterMs: 0 },
    });
    expect(api.requests.length - before).toBe(1);
  });

  it('cannot reach the API when the manifest does not grant its origin', async () => {
    const plugin = await host.load(dir, { permissions: { secrets: ['OPENAI_API_KEY'] } });
    const before = api.requests.length;
    await expect(
      plugin.call('provider:openai:chat', request, { baseURL: `${api.origin}/v1`, maxRetries: 0 }),
    ).rejects.toMatchObject({ code: 'ROKU_PLUGIN_FAILED' });
    expect(api.requests.length).toBe(before);
  });
});
