import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestHost } from '@roku/plugin-testing';
import type { TestHost } from '@roku/plugin-testing';
import { chatCompletionsFrames, responsesFrames, startWireServer } from '@roku/test-support';
import type { WireServer } from '@roku/test-support';

const dir = fileURLToPath(new URL('..', import.meta.url));
const KEY = 'sk-test-secret-4242';

let host: TestHost;
let api: WireServer;

beforeAll(async () => {
  api = await startWireServer(() => ({
    kind: 'sse',
    frames: chatCompletionsFrames({
      text: ['Hello ', 'wörld'],
      usage: { input: 10, output: 2, cacheRead: 4 },
    }),
  }));
  host = await createTestHost({ env: { OPENAI_API_KEY: KEY } });
});
afterAll(async () => {
  await host.close();
  await api.close();
});

const request = {
  model: 'gpt-4o-mini',
  sessionId: 'sess-1',
  messages: [
    { role: 'system', content: 'Be brief.' },
    { role: 'user', content: 'Weather in Oslo?' },
  ],
  tools: [{ name: 'weather', description: 'Weather for a city.', inputSchema: { type: 'object' } }],
};

async function load() {
  return host.load(dir, { grants: { network: [api.origin] } });
}

describe('openai provider: Chat Completions', () => {
  it('streams text split at arbitrary byte boundaries, tool-call argument deltas and usage with cached tokens', async () => {
    api.enqueue({
      kind: 'sse',
      frames: chatCompletionsFrames({
        text: ['Checking ', 'the wéather.'],
        toolCalls: [{ id: 'call_1', name: 'weather', args: ['{"ci', 'ty":"Oslo"}'] }],
        usage: { input: 42, output: 9, cacheRead: 30 },
        pings: true,
      }),
      cut: 3,
    });
    const plugin = await load();
    const response = await plugin.call('provider:openai:chat', request, { baseURL: `${api.origin}/v1` });
    expect(response).toEqual({
      message: {
        role: 'assistant',
        content: 'Checking the wéather.',
        toolCalls: [{ id: 'call_1', name: 'weather', arguments: { city: 'Oslo' } }],
      },
      finishReason: 'tool_calls',
      usage: { inputTokens: 42, outputTokens: 9, cacheReadTokens: 30 },
      model: 'gpt-4o-mini',
    });
    expect(plugin.events).toContainEqual({
      type: 'tool-call-delta',
      index: 0,
      argumentsDelta: 'ty":"Oslo"}',
    });
    const sent = api.requests.at(-1);
    expect(sent?.url).toBe('/v1/chat/completions');
    expect(sent?.headers.authorization).toBe(`Bearer ${KEY}`);
    expect(sent?.json).toMatchObject({ model: 'gpt-4o-mini', stream: true, prompt_cache_key: 'sess-1' });
    expect(JSON.stringify(plugin.events)).not.toContain(KEY);
  });

  it('uses the Responses API for a reasoning model, with instructions, reasoning settings and cached/reasoning usage', async () => {
    api.enqueue({
      kind: 'sse',
      frames: responsesFrames({
        reasoning: ['Thinking about Oslo.'],
        text: ['Let me ', 'check.'],
        toolCalls: [{ id: 'call_9', name: 'weather', args: ['{"city":', '"Oslo"}'] }],
        usage: { input: 100, output: 50, cacheRead: 64, reasoning: 20 },
        model: 'gpt-5',
      }),
      cut: 5,
    });
    const plugin = await load();
    const response = await plugin.call(
      'provider:openai:chat',
      { ...request, model: 'gpt-5' },
      { baseURL: `${api.origin}/v1`, reasoningEffort: 'low', reasoningSummary: 'auto' },
    );
    expect(response).toEqual({
      message: {
        role: 'assistant',
        content: 'Let me check.',
        toolCalls: [{ id: 'call_9', name: 'weather', arguments: { city: 'Oslo' } }],
      },
      finishReason: 'tool_calls',
      usage: { inputTokens: 100, outputTokens: 50, cacheReadTokens: 64, reasoningTokens: 20 },
      model: 'gpt-5',
    });
    const sent = api.requests.at(-1);
    expect(sent?.url).toBe('/v1/responses');
    expect(sent?.json).toMatchObject({
      model: 'gpt-5',
      instructions: 'Be brief.',
      input: [{ role: 'user', content: 'Weather in Oslo?' }],
      reasoning: { effort: 'low', summary: 'auto' },
      prompt_cache_key: 'sess-1',
      store: false,
    });
    expect(plugin.events).toContainEqual({ type: 'tool-call-delta', index: 0, argumentsDelta: '"Oslo"}' });
  });

  it('reports a 429 as PROVIDER_RATE_LIMIT with its Retry-After, without retrying itself', async () => {
    api.enqueue({
      kind: 'json',
      status: 429,
      headers: { 'retry-after': '2' },
      body: { error: { message: 'Rate limit reached', type: 'requests', code: 'rate_limit_exceeded' } },
    });
    const plugin = await load();
    const before = api.requests.length;
    await expect(
      plugin.call('provider:openai:chat', request, { baseURL: `${api.origin}/v1` }),
    ).rejects.toMatchObject({
      code: 'ROKU_PLUGIN_FAILED',
      details: { pluginCode: 'PROVIDER_RATE_LIMIT', retryAfterMs: 2000 },
    });
    expect(api.requests.length - before).toBe(1);
  });

  it.each([
    [529, { error: { message: 'Overloaded' } }, 'PROVIDER_OVERLOADED'],
    [503, { error: { message: 'Service unavailable' } }, 'PROVIDER_OVERLOADED'],
    [500, { error: { message: 'boom', type: 'server_error' } }, 'PROVIDER_SERVER_ERROR'],
    [401, { error: { message: 'Incorrect API key', code: 'invalid_api_key' } }, 'PROVIDER_AUTH_FAILED'],
    [
      429,
      { error: { message: 'You exceeded your current quota', code: 'insufficient_quota' } },
      'PROVIDER_QUOTA_EXCEEDED',
    ],
    [
      400,
      {
        error: {
          message: "This model's maximum context length is 128000 tokens",
          code: 'context_length_exceeded',
        },
      },
      'PROVIDER_CONTEXT_WINDOW_EXCEEDED',
    ],
    [400, { error: { message: 'Invalid value for temperature' } }, 'PROVIDER_INVALID_REQUEST'],
  ])('maps HTTP %i to the router code', async (status, body, code) => {
    api.enqueue({ kind: 'json', status, body });
    const plugin = await load();
    await expect(
      plugin.call('provider:openai:chat', request, { baseURL: `${api.origin}/v1` }),
    ).rejects.toMatchObject({ code: 'ROKU_PLUGIN_FAILED', details: { pluginCode: code } });
  });

  it('fails an error event mid-stream, a connection reset and a stream that stops without its final chunk', async () => {
    const plugin = await load();
    const settings = { baseURL: `${api.origin}/v1` };
    api.enqueue({
      kind: 'sse',
      frames: chatCompletionsFrames({
        text: ['Hi', 'there'],
        errorMidStream: { type: 'server_error', message: 'upstream broke' },
      }),
    });
    await expect(plugin.call('provider:openai:chat', request, settings)).rejects.toMatchObject({
      details: { pluginCode: 'PROVIDER_SERVER_ERROR' },
    });
    api.enqueue({
      kind: 'sse',
      frames: chatCompletionsFrames({ text: ['Hi', 'there'], truncate: true }),
      then: 'reset',
    });
    await expect(plugin.call('provider:openai:chat', request, settings)).rejects.toMatchObject({
      details: { pluginCode: 'PROVIDER_CONNECTION_FAILED' },
    });
    api.enqueue({ kind: 'sse', frames: chatCompletionsFrames({ text: ['Hi'], truncate: true }) });
    await expect(plugin.call('provider:openai:chat', request, settings)).rejects.toMatchObject({
      details: { pluginCode: 'PROVIDER_CONNECTION_FAILED' },
      message: expect.stringContaining('ended before its final chunk') as unknown,
    });
  });

  it('fails a stream with invalid JSON and ignores unknown Responses events', async () => {
    const plugin = await load();
    const settings = { baseURL: `${api.origin}/v1` };
    api.enqueue({
      kind: 'sse',
      frames: ['data: {"id":"x","choices":[{"index":0,"delta":{"content":"a"}}]}\n\n', 'data: {not json\n\n'],
    });
    await expect(plugin.call('provider:openai:chat', request, settings)).rejects.toMatchObject({
      details: { pluginCode: 'PROVIDER_SERVER_ERROR' },
      message: expect.stringContaining('invalid JSON') as unknown,
    });
    const frames = responsesFrames({ text: ['ok'], model: 'gpt-5' });
    frames.splice(1, 0, 'event: response.brand_new\ndata: {"type":"response.brand_new","x":1}\n\n');
    api.enqueue({ kind: 'sse', frames });
    await expect(
      plugin.call('provider:openai:chat', { ...request, model: 'gpt-5' }, settings),
    ).resolves.toMatchObject({
      message: { content: 'ok' },
    });
  });

  it('cannot reach an origin the user did not grant', async () => {
    const plugin = await host.load(dir);
    const before = api.requests.length;
    await expect(
      plugin.call('provider:openai:chat', request, { baseURL: `${api.origin}/v1` }),
    ).rejects.toMatchObject({ code: 'ROKU_PLUGIN_FAILED' });
    expect(api.requests.length).toBe(before);
  });
});
