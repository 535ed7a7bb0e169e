import { afterEach, describe, expect, it } from 'vitest';
import type { CapabilityServices } from '../../src/capabilities/index.js';
import { createHarness, expectError, expectOk } from './helpers.js';
import type { Harness, HarnessOptions } from './helpers.js';

let current: Harness | undefined;

afterEach(async () => {
  await current?.dispose();
  current = undefined;
});

function harness(options: HarnessOptions = {}): Harness {
  current = createHarness(options);
  return current;
}

async function raw(
  h: Harness,
  json: string,
): Promise<{ ok: boolean; error?: { code: string; message: string } }> {
  return JSON.parse(await h.broker.handle(json, { callId: 'call-1' })) as {
    ok: boolean;
    error?: { code: string; message: string };
  };
}

describe('capability requests', () => {
  it('rejects malformed JSON, unknown operations and unknown or ill-typed arguments', async () => {
    const h = harness();
    expect((await raw(h, '{"op":')).error?.code).toBe('ROKU_CAPABILITY_BAD_REQUEST');
    expect((await raw(h, '{"op":"shell.exec","args":{}}')).error?.message).toBe(
      '@acme/weather: unknown capability operation "shell.exec"',
    );
    expect((await raw(h, '{"op":"toString","args":{}}')).error?.code).toBe('ROKU_CAPABILITY_BAD_REQUEST');
    expect((await raw(h, '{"op":"env.get","args":{"name":"X","extra":1}}')).error?.message).toBe(
      '@acme/weather: env.get has unknown argument "extra"',
    );
    expect((await raw(h, '{"op":"env.get","args":{"name":42}}')).error?.code).toBe(
      'ROKU_CAPABILITY_BAD_REQUEST',
    );
    expect((await raw(h, '{"op":"env.get","args":{"__proto__":{"name":"X"}}}')).error?.code).toBe(
      'ROKU_CAPABILITY_BAD_REQUEST',
    );
    expect(({} as Record<string, unknown>).name).toBeUndefined();
  });

  it('refuses JSON that could be read two ways: a key twice, a number that would change meaning', async () => {
    const h = harness();
    const twice = await raw(h, '{"op":"env.get","args":{"name":"SAFE","name":"SECRET"}}');
    expect(twice.error?.code).toBe('ROKU_CAPABILITY_BAD_REQUEST');
    expect(twice.error?.message).toContain('"name"');
    const huge = await raw(h, '{"op":"kv.get","args":{"key":"k"},"n":1e309}');
    expect(huge.error?.code).toBe('ROKU_CAPABILITY_BAD_REQUEST');
  });

  it('refuses requests larger than 8 MiB before parsing them', async () => {
    const h = harness();
    const big = JSON.stringify({ op: 'log', args: { level: 'info', message: 'x'.repeat(8 * 1024 * 1024) } });
    expect((await raw(h, big)).error?.code).toBe('ROKU_CAPABILITY_LIMIT');
  });

  it('fails every request once closed', async () => {
    const h = harness();
    await h.broker.close();
    expectError(await h.request('log', { level: 'info', message: 'late' }), 'ROKU_CAPABILITY_UNAVAILABLE');
  });
});

describe('env.get', () => {
  it('reads only names in permissions.env and never secrets', async () => {
    const h = harness({
      permissions: { env: ['UNITS', 'API_KEY'], secrets: ['API_KEY'] },
      env: { UNITS: 'metric', HOME: '/home/me', API_KEY: 'sk-live' },
    });
    expect(expectOk(await h.request('env.get', { name: 'UNITS' }))).toEqual({ value: 'metric' });
    const message = expectError(await h.request('env.get', { name: 'HOME' }), 'ROKU_CAPABILITY_DENIED');
    expect(message).toBe('@acme/weather: env.get of "HOME" denied: not named in permissions.env');
    expectError(await h.request('env.get', { name: 'API_KEY' }), 'ROKU_CAPABILITY_DENIED');
  });
});

describe('log', () => {
  it('writes to a child logger with plugin and call ids, truncating long messages', async () => {
    const h = harness();
    expectOk(await h.request('log', { level: 'warn', message: 'x'.repeat(10_000), data: { city: 'Oslo' } }));
    const line = h.logLines.at(-1);
    expect(line).toMatchObject({
      level: 40,
      pluginId: '@acme/weather',
      callId: 'call-1',
      data: { city: 'Oslo' },
    });
    expect(Buffer.byteLength(line?.msg as string)).toBeLessThan(4200);
  });

  it('drops lines beyond the rate limit with a single warning', async () => {
    const h = harness();
    const replies = await Promise.all(
      Array.from({ length: 300 }, (_, i) => h.request('log', { level: 'info', message: `line ${i}` })),
    );
    for (const reply of replies) expectOk(reply);
    const pluginLines = h.logLines.filter((l) => l.source === 'plugin');
    const warnings = h.logLines.filter((l) => l.msg === 'plugin log rate exceeded; dropping lines');
    expect(pluginLines.length).toBeGreaterThanOrEqual(100);
    expect(pluginLines.length).toBeLessThan(300);
    expect(warnings).toHaveLength(1);
  });
});

describe('emit', () => {
  it('forwards events to the call and refuses events over 64 KiB', async () => {
    const h = harness();
    const events: unknown[] = [];
    const scope = { callId: 'call-1', emit: (event: unknown) => events.push(event) };
    expectOk(await h.request('emit', { event: { type: 'text', delta: 'Hel' } }, scope));
    expect(JSON.parse(JSON.stringify(events))).toEqual([{ type: 'text', delta: 'Hel' }]);
    expectError(await h.request('emit', { event: 'x'.repeat(70_000) }, scope), 'ROKU_CAPABILITY_LIMIT');
    expectError(await h.request('emit', { event: 1 }), 'ROKU_CAPABILITY_UNAVAILABLE');
  });
});

describe('host capabilities', () => {
  const services: CapabilityServices = {
    llm: { chat: (request) => Promise.resolve({ echoed: request }) },
    memory: { recall: () => Promise.resolve([{ text: 'likes rain' }]), write: () => Promise.resolve() },
    tools: { invoke: (name) => Promise.resolve(`ran ${name}`) },
    subagents: { run: (task) => Promise.resolve(`did ${task}`) },
  };

  it('denies every host capability the manifest does not grant', async () => {
    const h = harness({ services });
    expect(expectError(await h.request('llm.chat', { request: {} }), 'ROKU_CAPABILITY_DENIED')).toBe(
      '@acme/weather: llm.chat denied: capabilities.llm is not granted',
    );
    expectError(await h.request('memory.recall', { query: 'q', limit: 5 }), 'ROKU_CAPABILITY_DENIED');
    expectError(await h.request('tools.invoke', { name: 'shell', input: {} }), 'ROKU_CAPABILITY_DENIED');
    expectError(await h.request('subagent.run', { task: 't' }), 'ROKU_CAPABILITY_DENIED');
  });

  it('forwards granted requests to the host services, within the grant', async () => {
    const h = harness({
      services,
      permissions: {
        capabilities: { llm: true, memory: 'read', tools: ['search_*', 'clock'], subagents: true },
      },
    });
    expect(expectOk(await h.request('llm.chat', { request: { prompt: 'hi' } }))).toEqual({
      response: { echoed: { prompt: 'hi' } },
    });
    expect(expectOk(await h.request('memory.recall', { query: 'weather', limit: 3 }))).toEqual({
      records: [{ text: 'likes rain' }],
    });
    expectError(await h.request('memory.write', { records: [] }), 'ROKU_CAPABILITY_DENIED');
    expect(expectOk(await h.request('tools.invoke', { name: 'search_web', input: {} }))).toEqual({
      output: 'ran search_web',
    });
    expectError(await h.request('tools.invoke', { name: 'clockwork', input: {} }), 'ROKU_CAPABILITY_DENIED');
    expect(expectOk(await h.request('subagent.run', { task: 'sum' }))).toEqual({ output: 'did sum' });
  });

  it('reports a granted capability without a host service as unavailable', async () => {
    const h = harness({ permissions: { capabilities: { llm: true } } });
    expectError(await h.request('llm.chat', { request: {} }), 'ROKU_CAPABILITY_UNAVAILABLE');
  });
});
