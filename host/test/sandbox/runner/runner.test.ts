import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StatsMessage } from '../../../src/sandbox/protocol.js';
import { RunnerHarness, fixture, responseOf } from './harness.js';

const BEHAVIOURS = fixture('behaviours.js');

describe('sandbox runner: loading and calling isolate plugins', () => {
  let runner: RunnerHarness;
  beforeAll(async () => {
    runner = await RunnerHarness.start();
  });
  afterAll(async () => {
    await runner.stop();
  });

  it('loads a bundle, returns its description and answers a call with the plugin response', async () => {
    const loaded = await runner.load('rt@1#1', BEHAVIOURS);
    expect(loaded.ok).toBe(true);
    expect(JSON.parse(loaded.description ?? '')).toMatchObject({
      abi: 1,
      tools: expect.arrayContaining(['echo']) as unknown,
    });
    const result = await runner.call('rt@1#1', 'tool:echo', { n: 42 });
    expect(result.ok).toBe(true);
    expect(typeof result.cpuMs).toBe('number');
    expect(responseOf(result)).toEqual({ ok: true, value: { echo: { n: 42 } } });
  });

  it('forwards console output and capability requests with the id of the call that made them', async () => {
    await runner.load('log@1#1', BEHAVIOURS);
    const { id, result } = runner.start('log@1#1', 'tool:log', 'x');
    await result;
    const logs = runner.caps.filter((c) => c.pluginKey === 'log@1#1' && c.op === 'log');
    expect(logs.map((c) => c.args)).toEqual([
      { level: 'info', message: 'from plugin x' },
      { level: 'warn', message: 'direct' },
    ]);
    expect(logs.every((c) => c.callId === id)).toBe(true);
  });

  it('hides Node and shared-memory globals and keeps __roku_host read-only', async () => {
    await runner.load('globals@1#1', BEHAVIOURS);
    expect(responseOf(await runner.call('globals@1#1', 'tool:globals'))).toEqual({
      ok: true,
      value: {
        process: 'undefined',
        require: 'undefined',
        WebAssembly: 'undefined',
        SharedArrayBuffer: 'undefined',
        Atomics: 'undefined',
        fetch: 'function',
        URL: '1',
        text: 'héllo',
        hostWritable: false,
        hostDeletable: false,
      },
    });
  });

  it('keeps only WebAssembly when the plugin may use it', async () => {
    await runner.load('wasm-ok@1#1', BEHAVIOURS, { webAssembly: true });
    expect(responseOf(await runner.call('wasm-ok@1#1', 'tool:globals'))).toMatchObject({
      value: { WebAssembly: 'object', SharedArrayBuffer: 'undefined', Atomics: 'undefined' },
    });
  });

  it('runs setTimeout and setInterval callbacks and serves random bytes', async () => {
    await runner.load('timers@1#1', BEHAVIOURS);
    expect(responseOf(await runner.call('timers@1#1', 'tool:timers'))).toEqual({
      ok: true,
      value: { ticks: 3, randomLength: 8 },
    });
  });

  it('turns a deliberate throw into a CallResponse error with the plugin code', async () => {
    await runner.load('throws@1#1', BEHAVIOURS);
    expect(responseOf(await runner.call('throws@1#1', 'tool:throw-coded'))).toEqual({
      ok: false,
      error: { code: 'E_NOPE', message: 'nope' },
    });
  });

  it('produces a code cache on the first load and accepts it on the next', async () => {
    const first = await runner.load('cache@1#1', BEHAVIOURS);
    expect(first.codeCache).toEqual(expect.any(String));
    runner.send({ t: 'unload', pluginKey: 'cache@1#1' });
    const second = await runner.load('cache@1#2', BEHAVIOURS, { codeCache: first.codeCache ?? '' });
    expect(second.ok).toBe(true);
    // an accepted cache needs no replacement, so none comes back
    expect(second.codeCache).toBeUndefined();
    const corrupt = await runner.load('cache@1#3', BEHAVIOURS, {
      codeCache: Buffer.from('not a cache').toString('base64'),
    });
    expect(corrupt.ok).toBe(true);
    expect(corrupt.codeCache).toEqual(expect.any(String));
  });

  it('refuses calls beyond the concurrency limit and answers a cancelled call at once', async () => {
    await runner.load('busy@1#1', BEHAVIOURS, { limits: { concurrency: 1 } });
    const hanging = runner.start('busy@1#1', 'tool:hang');
    const busy = await runner.call('busy@1#1', 'tool:echo', 1);
    expect(busy.error).toMatchObject({ code: 'ROKU_SANDBOX_BUSY' });
    runner.send({ t: 'cancel', id: hanging.id });
    expect((await hanging.result).error).toMatchObject({ code: 'ROKU_SANDBOX_UNLOADED' });
    runner.send({ t: 'unload', pluginKey: 'busy@1#1' });
    expect((await runner.call('busy@1#1', 'tool:echo', 1)).error).toMatchObject({
      code: 'ROKU_SANDBOX_UNLOADED',
    });
  });

  it('fails the load of a bundle that throws at top level or sets no ABI', async () => {
    const throwing = await runner.load('bad@1#1', fixture('top-level-throw.js'));
    expect(throwing).toMatchObject({ ok: false, error: { code: 'ROKU_SANDBOX_LOAD_FAILED' } });
    expect(throwing.error?.message).toContain('broken bundle');
    const noAbi = await runner.load('bad@1#2', fixture('no-abi.js'));
    expect(noAbi).toMatchObject({ ok: false, error: { code: 'ROKU_SANDBOX_LOAD_FAILED' } });
    const missing = await runner.load('bad@1#3', fixture('does-not-exist.js'));
    expect(missing).toMatchObject({ ok: false, error: { code: 'ROKU_SANDBOX_LOAD_FAILED' } });
  });

  it('reports heap and CPU per loaded plugin', async () => {
    runner.send({ t: 'stats' });
    const stats = await runner.waitFor((m): m is StatsMessage => m.t === 'stats');
    expect(stats.rssBytes).toBeGreaterThan(0);
    expect(stats.plugins.find((p) => p.pluginKey === 'rt@1#1')).toEqual({
      pluginKey: 'rt@1#1',
      heapBytes: expect.any(Number) as unknown,
      cpuMs: expect.any(Number) as unknown,
      asyncEntries: expect.any(Number) as unknown,
    });
  });
});
