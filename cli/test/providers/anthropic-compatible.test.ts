/**
 * The Anthropic and OpenAI-compatible providers installed from the embedded registry, driven through `roku
 * chat --pipe` against loopback servers speaking their wire formats. Needs the workspace build.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { anthropicFrames, chatCompletionsFrames, startWireServer } from '@roku/test-support';
import type { WireServer } from '@roku/test-support';
import { filesContaining, providerCli } from './helpers.js';
import type { ProviderCli } from './helpers.js';

const ANTHROPIC = '@roku/plugin-provider-anthropic';
const COMPATIBLE = '@roku/plugin-provider-openai-compatible';
const KEY = 'sk-ant-api03-test-91c2e';

let claude: WireServer;
let local: WireServer;
let cli: ProviderCli;

beforeAll(async () => {
  claude = await startWireServer(() => ({
    kind: 'sse',
    frames: anthropicFrames({
      text: ['Hello ', 'from Claude.'],
      usage: { input: 10, output: 5, cacheRead: 3000, cacheWrite: 40 },
      pings: true,
    }),
  }));
  local = await startWireServer((request) =>
    request.url === '/v1/models'
      ? {
          kind: 'json',
          status: 200,
          body: { object: 'list', data: [{ id: 'llama3.2:3b', object: 'model' }] },
        }
      : { kind: 'sse', frames: chatCompletionsFrames({ text: ['Local ', 'answer.'], model: 'llama3.2:3b' }) },
  );
  cli = await providerCli(
    [ANTHROPIC, COMPATIBLE],
    {
      [ANTHROPIC]: { baseURL: claude.origin },
      [COMPATIBLE]: {
        baseURL: `${local.origin}/v1`,
        models: [{ id: 'qwen2.5-coder', contextWindow: 32768 }],
      },
    },
    { [ANTHROPIC]: { network: [claude.origin] }, [COMPATIBLE]: { network: [local.origin] } },
  );
  const set = await cli.run(['auth', 'set', 'ANTHROPIC_API_KEY'], { stdin: KEY });
  if (set.code !== 0) throw new Error(set.stderr);
});

describe('roku with the Anthropic provider', () => {
  it('answers with cache usage, one cache marker per request and the key only in x-api-key', async () => {
    const r = await cli.runJson('hello', ['--model', 'anthropic/claude-sonnet-4-6', '--session-id', 'c1']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.result).toMatchObject({ ok: true, message: 'Hello from Claude.' });
    expect(r.events.find((e) => e.type === 'TokenUsage')).toMatchObject({
      cache_read_input_tokens: 3000,
      cache_creation_input_tokens: 40,
    });
    const sent = claude.requests.at(-1);
    expect(sent?.headers['x-api-key']).toBe(KEY);
    const body = JSON.stringify(sent?.json);
    expect(body.split('"cache_control"')).toHaveLength(2);
    expect(filesContaining(cli.home, KEY)).toEqual([]);
  });

  it('retries an overloaded 529 (the wait shown as a retry event), then answers', async () => {
    claude.enqueue({
      kind: 'json',
      status: 529,
      body: { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } },
    });
    const r = await cli.runJson('hello', ['--model', 'anthropic/claude-sonnet-4-6']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.events.find((e) => e.type === 'ProviderRetry')).toMatchObject({ code: 'PROVIDER_OVERLOADED' });
    expect(r.result.message).toBe('Hello from Claude.');
  });
});

describe('roku with an OpenAI-compatible server', () => {
  it("answers as the server's own model, found with GET /models, without usage and without a key", async () => {
    const r = await cli.runJson('hi', ['--model', 'openai-compatible/default']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.result).toMatchObject({ ok: true, message: 'Local answer.' });
    expect(local.requests.map((q) => q.url)).toContain('/v1/models');
    expect(local.requests.at(-1)?.json).toMatchObject({ model: 'llama3.2:3b' });
    expect(local.requests.at(-1)?.headers.authorization).toBeUndefined();
  });

  it('lists the models of every installed provider, the ones the settings add included', async () => {
    const r = await cli.run(['models', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const refs = (JSON.parse(r.stdout) as { models: { ref: string }[] }).models.map((m) => m.ref);
    expect(refs).toEqual(
      expect.arrayContaining([
        'anthropic/claude-sonnet-4-6',
        'openai-compatible/default',
        'openai-compatible/qwen2.5-coder',
      ]),
    );
    const q = await cli.runJson('hi', ['--model', 'openai-compatible/qwen2.5-coder']);
    expect(q.code, q.stderr).toBe(0);
    expect(local.requests.at(-1)?.json).toMatchObject({ model: 'qwen2.5-coder' });
  });

  it('fails over to another provider when the quota of the chosen one is used up', async () => {
    // Unpinned, the cheapest model (the local one) is chosen first.
    local.enqueue({
      kind: 'json',
      status: 429,
      body: { error: { message: 'You exceeded your current quota', code: 'insufficient_quota' } },
    });
    const before = local.requests.length;
    const r = await cli.runJson('hi', ['--session-id', 'quota']);
    expect(r.code, r.stderr).toBe(0);
    // One chat request reached the local server (besides the GET /models that resolves its `default`).
    expect(local.requests.slice(before).filter((q) => q.method === 'POST')).toHaveLength(1);
    expect(r.result).toMatchObject({ ok: true, message: 'Hello from Claude.' });
  });
});
