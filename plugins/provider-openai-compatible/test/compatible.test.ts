import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestHost } from '@roku/plugin-testing';
import type { TestHost } from '@roku/plugin-testing';
import { chatCompletionsFrames, sseFrame, startWireServer } from '@roku/test-support';
import type { WireServer } from '@roku/test-support';

const dir = fileURLToPath(new URL('..', import.meta.url));
const KEY = 'sk-or-secret-1234';

let host: TestHost;
let api: WireServer;

beforeAll(async () => {
  api = await startWireServer((request) =>
    request.url === '/v1/models'
      ? { kind: 'json', status: 200, body: { object: 'list', data: [{ id: 'llama3.2', object: 'model' }] } }
      : { kind: 'sse', frames: chatCompletionsFrames({ text: ['Hello'], model: 'llama3.2' }) },
  );
  host = await createTestHost({ env: { OPENAI_COMPATIBLE_API_KEY: KEY } });
});
afterAll(async () => {
  await host.close();
  await api.close();
});

const request = { model: 'default', messages: [{ role: 'user', content: 'Hi' }] };

function load() {
  return host.load(dir, { grants: { network: [api.origin] } });
}

describe('openai-compatible provider', () => {
  it("answers as the server's first model from GET /models, without a key and without usage", async () => {
    const plugin = await load();
    const response = await plugin.call('provider:openai-compatible:chat', request, {
      baseURL: `${api.origin}/v1`,
    });
    expect(response).toEqual({
      message: { role: 'assistant', content: 'Hello' },
      finishReason: 'stop',
      model: 'llama3.2',
    });
    const chat = api.requests.at(-1);
    expect(chat?.url).toBe('/v1/chat/completions');
    expect(chat?.json).toMatchObject({ model: 'llama3.2' });
    expect(chat?.json).not.toHaveProperty('prompt_cache_key');
    expect(chat?.headers.authorization).toBeUndefined();
  });

  it('tolerates chunks without choices, unknown fields and a stream that ends without a finish reason', async () => {
    const base = { id: 'x', object: 'chat.completion.chunk', created: 1, model: 'qwen' };
    api.enqueue({
      kind: 'sse',
      frames: [
        sseFrame({
          ...base,
          choices: [{ index: 0, delta: { role: 'assistant', reasoning_content: 'hmm' } }],
        }),
        sseFrame({ ...base, choices: [] }),
        sseFrame({ ...base, vendor_stats: { tps: 42 }, choices: [{ index: 0, delta: { content: 'Par' } }] }),
        ': comment\n\n',
        sseFrame({ ...base, choices: [{ index: 0, delta: { content: 'is' } }] }),
        'data: [DONE]\n\n',
      ],
      cut: 2,
    });
    const plugin = await load();
    const response = await plugin.call(
      'provider:openai-compatible:chat',
      { ...request, model: 'qwen' },
      { baseURL: `${api.origin}/v1`, auth: 'bearer' },
    );
    expect(response).toEqual({
      message: { role: 'assistant', content: 'Paris' },
      finishReason: 'stop',
      model: 'qwen',
    });
    expect(api.requests.at(-1)?.headers.authorization).toBe(`Bearer ${KEY}`);
  });

  it('uses settings.model instead of asking the server', async () => {
    const plugin = await load();
    const before = api.requests.length;
    await plugin.call('provider:openai-compatible:chat', request, {
      baseURL: `${api.origin}/v1`,
      model: 'mistral',
    });
    expect(api.requests.slice(before).map((r) => r.url)).toEqual(['/v1/chat/completions']);
    expect(api.requests.at(-1)?.json).toMatchObject({ model: 'mistral' });
  });

  it('refuses a loopback server the user did not grant, and says which setting is missing without a base URL', async () => {
    const denied = await host.load(dir);
    const before = api.requests.length;
    await expect(
      denied.call('provider:openai-compatible:chat', request, { baseURL: `${api.origin}/v1`, model: 'm' }),
    ).rejects.toMatchObject({
      code: 'ROKU_PLUGIN_FAILED',
      details: { pluginCode: 'PROVIDER_INVALID_REQUEST' },
    });
    expect(api.requests.length).toBe(before);
    await expect(denied.call('provider:openai-compatible:chat', request, {})).rejects.toMatchObject({
      message: expect.stringContaining('baseURL') as unknown,
    });
  });
});
