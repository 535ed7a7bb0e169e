import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestHost } from '@roku/plugin-testing';
import type { TestHost } from '@roku/plugin-testing';
import { anthropicFrames, startWireServer } from '@roku/test-support';
import type { WireServer } from '@roku/test-support';

const dir = fileURLToPath(new URL('..', import.meta.url));
const KEY = 'sk-ant-test-secret-77';
const TOKEN = 'oauth-token-secret-88';

let host: TestHost;
let api: WireServer;

beforeAll(async () => {
  api = await startWireServer(() => ({
    kind: 'sse',
    frames: anthropicFrames({ text: ['Hi'], usage: { input: 5, output: 1 } }),
  }));
  host = await createTestHost({ env: { ANTHROPIC_API_KEY: KEY, ANTHROPIC_AUTH_TOKEN: TOKEN } });
});
afterAll(async () => {
  await host.close();
  await api.close();
});

const request = {
  model: 'claude-sonnet-4-6',
  messages: [
    { role: 'system', content: 'Be brief.' },
    { role: 'user', content: 'Weather in Oslo?' },
    {
      role: 'assistant',
      content: '',
      toolCalls: [{ id: 'toolu_1', name: 'weather', arguments: { city: 'Oslo' } }],
    },
    { role: 'tool', content: 'sunny', toolCallId: 'toolu_1' },
  ],
  tools: [{ name: 'weather', description: 'Weather for a city.', inputSchema: { type: 'object' } }],
};

function load() {
  return host.load(dir, { grants: { network: [api.origin] } });
}

/** Every cache_control marker in a request body, with where it sits. */
function markers(value: unknown, path = ''): string[] {
  if (Array.isArray(value)) return value.flatMap((v, i) => markers(v, `${path}/${i}`));
  if (typeof value !== 'object' || value === null) return [];
  return Object.entries(value).flatMap(([k, v]) =>
    k === 'cache_control' ? [path] : markers(v, `${path}/${k}`),
  );
}

describe('anthropic provider: Messages API', () => {
  it('streams text, thinking and tool input deltas split at arbitrary bytes, with cache usage; one cache marker on the last block', async () => {
    api.enqueue({
      kind: 'sse',
      frames: anthropicFrames({
        reasoning: ['Let me think.'],
        text: ['Checking ', 'the wéather.'],
        toolCalls: [{ id: 'toolu_2', name: 'weather', args: ['{"ci', 'ty":"Bergen"}'] }],
        usage: { input: 20, output: 30, cacheRead: 1000, cacheWrite: 200 },
        pings: true,
      }),
      cut: 3,
    });
    const plugin = await load();
    const response = await plugin.call('provider:anthropic:chat', request, {
      baseURL: api.origin,
      thinkingBudgetTokens: 2048,
    });
    expect(response).toEqual({
      message: {
        role: 'assistant',
        content: 'Checking the wéather.',
        toolCalls: [{ id: 'toolu_2', name: 'weather', arguments: { city: 'Bergen' } }],
      },
      finishReason: 'tool_calls',
      usage: { inputTokens: 1220, outputTokens: 30, cacheReadTokens: 1000, cacheWriteTokens: 200 },
      model: 'claude-sonnet-4-6',
    });
    expect(plugin.events).toContainEqual({
      type: 'tool-call-delta',
      index: 0,
      argumentsDelta: 'ty":"Bergen"}',
    });
    const sent = api.requests.at(-1);
    expect(sent?.url).toBe('/v1/messages');
    expect(sent?.headers['x-api-key']).toBe(KEY);
    expect(sent?.headers['anthropic-version']).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(sent?.headers.authorization).toBeUndefined();
    const body = sent?.json as { messages: { content: unknown[] }[]; thinking: unknown; system: unknown };
    expect(body.thinking).toEqual({ type: 'enabled', budget_tokens: 2048 });
    expect(body.system).toEqual([{ type: 'text', text: 'Be brief.' }]);
    // Spec check 40: exactly one marker, on the last content block of the last message.
    const last = body.messages.length - 1;
    const lastBlock = (body.messages[last]?.content.length ?? 0) - 1;
    expect(markers(sent?.json)).toEqual([`/messages/${last}/content/${lastBlock}`]);
    expect(body.messages[last]?.content[lastBlock]).toMatchObject({
      type: 'tool_result',
      tool_use_id: 'toolu_1',
      cache_control: { type: 'ephemeral' },
    });
    expect(JSON.stringify(plugin.events)).not.toContain(KEY);
  });

  it('sends the thinking block back with the tool result it led to', async () => {
    const plugin = await load();
    api.enqueue({
      kind: 'sse',
      frames: anthropicFrames({
        reasoning: ['Need weather.'],
        toolCalls: [{ id: 'toolu_9', name: 'weather', args: ['{}'] }],
      }),
    });
    await plugin.call(
      'provider:anthropic:chat',
      { ...request, sessionId: 's-think' },
      { baseURL: api.origin, thinkingBudgetTokens: 1024 },
    );
    await plugin.call(
      'provider:anthropic:chat',
      {
        ...request,
        sessionId: 's-think',
        messages: [
          ...request.messages,
          { role: 'assistant', content: '', toolCalls: [{ id: 'toolu_9', name: 'weather', arguments: {} }] },
          { role: 'tool', content: 'rain', toolCallId: 'toolu_9' },
        ],
      },
      { baseURL: api.origin, thinkingBudgetTokens: 1024 },
    );
    const body = api.requests.at(-1)?.json as { messages: { role: string; content: { type: string }[] }[] };
    const assistant = body.messages.at(-2);
    expect(assistant?.content.map((b) => b.type)).toEqual(['thinking', 'tool_use']);
    expect(assistant?.content[0]).toMatchObject({ thinking: 'Need weather.', signature: 'sig-1' });
  });

  it('authenticates with a bearer token when configured', async () => {
    const plugin = await load();
    await plugin.call('provider:anthropic:chat', request, { baseURL: api.origin, auth: 'bearer' });
    const sent = api.requests.at(-1);
    expect(sent?.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(sent?.headers['x-api-key']).toBeUndefined();
  });

  it.each([
    [
      529,
      { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } },
      'PROVIDER_OVERLOADED',
    ],
    [
      429,
      { type: 'error', error: { type: 'rate_limit_error', message: 'slow down' } },
      'PROVIDER_RATE_LIMIT',
    ],
    [
      401,
      { type: 'error', error: { type: 'authentication_error', message: 'invalid x-api-key' } },
      'PROVIDER_AUTH_FAILED',
    ],
    [
      400,
      {
        type: 'error',
        error: {
          type: 'invalid_request_error',
          message: 'prompt is too long: 210000 tokens > 200000 maximum',
        },
      },
      'PROVIDER_CONTEXT_WINDOW_EXCEEDED',
    ],
    [
      400,
      { type: 'error', error: { type: 'invalid_request_error', message: 'Your credit balance is too low' } },
      'PROVIDER_QUOTA_EXCEEDED',
    ],
  ])('maps HTTP %i to the router code', async (status, body, code) => {
    api.enqueue({ kind: 'json', status, body, headers: { 'retry-after': '1' } });
    const plugin = await load();
    await expect(
      plugin.call('provider:anthropic:chat', request, { baseURL: api.origin }),
    ).rejects.toMatchObject({
      code: 'ROKU_PLUGIN_FAILED',
      details: { pluginCode: code, retryAfterMs: 1000 },
    });
  });

  it('fails an overloaded error event mid-stream and a stream without message_stop', async () => {
    const plugin = await load();
    api.enqueue({
      kind: 'sse',
      frames: anthropicFrames({
        text: ['a', 'b'],
        errorMidStream: { type: 'overloaded_error', message: 'Overloaded' },
      }),
    });
    await expect(
      plugin.call('provider:anthropic:chat', request, { baseURL: api.origin }),
    ).rejects.toMatchObject({
      details: { pluginCode: 'PROVIDER_OVERLOADED' },
    });
    api.enqueue({ kind: 'sse', frames: anthropicFrames({ text: ['a'], truncate: true }) });
    await expect(
      plugin.call('provider:anthropic:chat', request, { baseURL: api.origin }),
    ).rejects.toMatchObject({
      details: { pluginCode: 'PROVIDER_CONNECTION_FAILED' },
    });
  });
});
