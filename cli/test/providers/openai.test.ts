/**
 * The OpenAI provider installed from the embedded registry as a user would, its key stored with `roku auth
 * set`, against a loopback server speaking the Chat Completions and Responses wire formats. Needs the
 * workspace build (`pnpm build`), which seeds the registry.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { chatCompletionsFrames, responsesFrames, startWireServer } from '@roku/test-support';
import type { WireServer } from '@roku/test-support';
import { filesContaining, providerCli } from './helpers.js';
import type { ProviderCli } from './helpers.js';

const ID = '@roku/plugin-provider-openai';
const KEY = 'sk-live-test-5f3a9c0e7d';

let api: WireServer;
let cli: ProviderCli;

beforeAll(async () => {
  api = await startWireServer(() => ({
    kind: 'sse',
    frames: chatCompletionsFrames({
      text: ['Hi ', 'from ', 'OpenAI.'],
      usage: { input: 120, output: 4, cacheRead: 100 },
    }),
  }));
  cli = await providerCli(
    [ID],
    { [ID]: { baseURL: `${api.origin}/v1` } },
    { [ID]: { network: [api.origin] } },
  );
});

describe('roku with the OpenAI provider', () => {
  it('fails the first request without a key, naming the command that sets it; the session stays usable', async () => {
    const r = await cli.runJson('hello', ['--model', 'openai/gpt-4o-mini', '--session-id', 'nokey']);
    expect(r.code).toBe(1);
    expect(r.result.ok).toBe(false);
    expect(r.result.error?.message).toContain('roku auth set OPENAI_API_KEY');
    expect(api.requests).toHaveLength(0);
    const set = await cli.run(['auth', 'set', 'OPENAI_API_KEY'], { stdin: `${KEY}\n` });
    expect(set.code, set.stderr).toBe(0);
    const again = await cli.runJson('hello', ['--model', 'openai/gpt-4o-mini', '--session-id', 'nokey']);
    expect(again.code, again.stderr).toBe(0);
    expect(again.result).toMatchObject({ ok: true, message: 'Hi from OpenAI.' });
  });

  it('streams the answer through roku chat --pipe with usage, cached tokens and cost; the key stays out of every file', async () => {
    const r = await cli.runJson('hello', ['--model', 'openai/gpt-4o-mini']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.result).toMatchObject({
      ok: true,
      message: 'Hi from OpenAI.',
      model: 'openai/gpt-4o-mini',
      usage: { prompt_tokens: 120, output_tokens: 4 },
    });
    const deltas = r.events.filter((e) => e.type === 'LlmTextDelta').map((e) => e.text);
    expect(deltas).toEqual(['Hi ', 'from ', 'OpenAI.']);
    expect(r.events.find((e) => e.type === 'TokenUsage')).toMatchObject({ cache_read_input_tokens: 100 });
    expect(api.requests.at(-1)?.headers.authorization).toBe(`Bearer ${KEY}`);
    expect(r.stdout + r.stderr).not.toContain(KEY);
    expect(filesContaining(cli.home, KEY)).toEqual([]);
  });

  it('honours Retry-After on a 429 and then answers', async () => {
    api.enqueue({
      kind: 'json',
      status: 429,
      headers: { 'retry-after-ms': '40' },
      body: { error: { message: 'Rate limit reached for requests', code: 'rate_limit_exceeded' } },
    });
    const r = await cli.runJson('hello', ['--model', 'openai/gpt-4o-mini']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.events.find((e) => e.type === 'ProviderRetry')).toMatchObject({
      code: 'PROVIDER_RATE_LIMIT',
      delay_ms: 40,
      attempt: 1,
    });
    expect(r.result.message).toBe('Hi from OpenAI.');
  });

  it('retries 529 and 503, then reports the provider and the reason when they persist', async () => {
    for (let i = 0; i < 3; i += 1)
      api.enqueue({ kind: 'json', status: i === 1 ? 503 : 529, body: { error: { message: 'Overloaded' } } });
    const r = await cli.runJson('hello', ['--model', 'openai/gpt-4o-mini']);
    expect(r.code).toBe(1);
    expect(r.events.filter((e) => e.type === 'ProviderRetry')).toHaveLength(2);
    expect(r.result.error).toMatchObject({ code: 'ROKU_PROVIDER_FAILED' });
    expect(r.result.error?.message).toContain(
      'openai/gpt-4o-mini failed after 3 attempts: the provider is overloaded',
    );
  });

  it('reports a stream cut mid-answer without repeating the text shown', async () => {
    api.enqueue({
      kind: 'sse',
      frames: chatCompletionsFrames({ text: ['Half ', 'an answer'], truncate: true }),
      then: 'reset',
    });
    const r = await cli.runJson('hello', ['--model', 'openai/gpt-4o-mini']);
    expect(r.code).toBe(1);
    expect(r.result.error?.message).toContain('the answer broke off after part of it was shown');
    expect(r.events.filter((e) => e.type === 'ProviderRetry')).toHaveLength(0);
  });

  it('compacts and retries once when the context window is exceeded', async () => {
    api.enqueue({
      kind: 'json',
      status: 400,
      body: {
        error: {
          message: "This model's maximum context length is 128000 tokens",
          code: 'context_length_exceeded',
        },
      },
    });
    const r = await cli.runJson('hello', ['--model', 'openai/gpt-4o-mini']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.events.map((e) => e.type)).toContain('ReactiveCompactTriggered');
    expect(r.result.message).toBe('Hi from OpenAI.');
  });

  it('serves a reasoning model through the Responses API with the session as prompt_cache_key', async () => {
    api.enqueue({
      kind: 'sse',
      frames: responsesFrames({
        text: ['Reasoned.'],
        usage: { input: 50, output: 30, cacheRead: 20, reasoning: 25 },
      }),
    });
    const r = await cli.runJson('think', ['--model', 'openai/gpt-5', '--session-id', 'resp-1']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.result).toMatchObject({ ok: true, message: 'Reasoned.', model: 'openai/gpt-5' });
    const sent = api.requests.at(-1);
    expect(sent?.url).toBe('/v1/responses');
    expect(sent?.json).toMatchObject({ prompt_cache_key: 'resp-1', stream: true });
  });

  it('gives up on a hung response after the request timeout', { timeout: 30_000 }, async () => {
    cli.writeConfig({
      agent: { initialBackoffMs: 1, maxBackoffMs: 5, maxRetries: 0, providerTimeoutMs: 1500 },
      plugins: {
        settings: { [ID]: { baseURL: `${api.origin}/v1` } },
        grants: { [ID]: { network: [api.origin] } },
      },
    });
    await cli.run(['auth', 'set', 'OPENAI_API_KEY'], { stdin: KEY });
    api.enqueue({ kind: 'hang' });
    const hung = await cli.runJson('hello', ['--model', 'openai/gpt-4o-mini']);
    expect(hung.code).toBe(1);
    expect(hung.result.error?.message).toContain('the request timed out');
  });

  it('refuses a response body over the cap', { timeout: 30_000 }, async () => {
    cli.writeConfig({
      agent: { initialBackoffMs: 1, maxBackoffMs: 5, maxRetries: 0 },
      plugins: {
        settings: { [ID]: { baseURL: `${api.origin}/v1` } },
        grants: { [ID]: { network: [api.origin] } },
      },
    });
    await cli.run(['auth', 'set', 'OPENAI_API_KEY'], { stdin: KEY });
    api.enqueue({ kind: 'oversize', bytes: 20 * 1024 * 1024 });
    const big = await cli.runJson('hello', ['--model', 'openai/gpt-4o-mini', '--session-id', 'big']);
    expect(big.code).toBe(1);
    expect(big.result.error?.code).toBe('ROKU_PROVIDER_FAILED');
    expect(big.result.error?.message).toContain('exceed limits.httpResponseBytes');
  });
});
