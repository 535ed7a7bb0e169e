import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ResultMessage } from '../../../src/sandbox/protocol.js';
import { RunnerHarness, fixture, responseOf } from './harness.js';

const BEHAVIOURS = fixture('behaviours.js');

describe('sandbox runner: limits and hostile plugins', () => {
  let runner: RunnerHarness;
  beforeAll(async () => {
    runner = await RunnerHarness.start();
    await runner.load('bystander@1#1', BEHAVIOURS);
  });
  afterAll(async () => {
    await runner.stop();
  });

  /** The runner survived and still serves another plugin. */
  async function expectRunnerAlive(): Promise<void> {
    expect(runner.alive).toBe(true);
    expect(responseOf(await runner.call('bystander@1#1', 'tool:echo', 'still here'))).toEqual({
      ok: true,
      value: { echo: 'still here' },
    });
  }

  /** The `disposed` message for a plugin went out before the result it failed. */
  function expectDisposedBefore(pluginKey: string, result: ResultMessage, code: string): void {
    const disposed = runner.messages.findIndex((m) => m.t === 'disposed' && m.pluginKey === pluginKey);
    expect(disposed).toBeGreaterThanOrEqual(0);
    expect(runner.messages[disposed]).toMatchObject({ reason: { code } });
    expect(disposed).toBeLessThan(runner.messages.indexOf(result));
  }

  it('stops an infinite synchronous loop with a CPU timeout and disposes the isolate', async () => {
    await runner.load('spin@1#1', BEHAVIOURS, { limits: { cpuMsPerCall: 100 } });
    const result = await runner.call('spin@1#1', 'tool:spin-sync');
    expect(result).toMatchObject({
      ok: false,
      error: { code: 'ROKU_SANDBOX_TIMEOUT', details: { limit: 'cpu' } },
    });
    expectDisposedBefore('spin@1#1', result, 'ROKU_SANDBOX_TIMEOUT');
    await expectRunnerAlive();
  });

  it('stops a loop that starts after awaiting a capability through the CPU watchdog', async () => {
    await runner.load('spin-async@1#1', BEHAVIOURS, { limits: { cpuMsPerCall: 100 } });
    const result = await runner.call('spin-async@1#1', 'tool:spin-after-cap');
    expect(result).toMatchObject({
      ok: false,
      error: { code: 'ROKU_SANDBOX_TIMEOUT', details: { limit: 'cpu' } },
    });
    expect(runner.caps.some((c) => c.pluginKey === 'spin-async@1#1' && c.op === 'kv.get')).toBe(true);
    await expectRunnerAlive();
  });

  it('disposes a plugin whose timer callback spins, after its call returned', async () => {
    await runner.load('timer-spin@1#1', BEHAVIOURS, { limits: { cpuMsPerCall: 100 } });
    const disposed = runner.waitFor((m) => m.t === 'disposed' && m.pluginKey === 'timer-spin@1#1');
    expect(responseOf(await runner.call('timer-spin@1#1', 'tool:spin-in-timer'))).toEqual({
      ok: true,
      value: 'scheduled',
    });
    expect(await disposed).toMatchObject({
      reason: { code: 'ROKU_SANDBOX_TIMEOUT', details: { limit: 'cpu' } },
    });
    await expectRunnerAlive();
  });

  it('disposes a plugin that spins in the background once its call has returned', async () => {
    await runner.load('bg-spin@1#1', BEHAVIOURS, { limits: { cpuMsPerCall: 100 } });
    const disposed = runner.waitFor((m) => m.t === 'disposed' && m.pluginKey === 'bg-spin@1#1');
    expect(responseOf(await runner.call('bg-spin@1#1', 'tool:spin-in-background'))).toEqual({
      ok: true,
      value: 'started',
    });
    expect(await disposed).toMatchObject({
      reason: { code: 'ROKU_SANDBOX_TIMEOUT', details: { limit: 'cpu' } },
    });
    await expectRunnerAlive();
  });

  it('fails the load of a bundle whose top-level code never finishes', async () => {
    const loaded = await runner.load('load-spin@1#1', fixture('top-level-spin.js'), {
      limits: { cpuMsPerCall: 100 },
    });
    expect(loaded).toMatchObject({
      ok: false,
      error: { code: 'ROKU_SANDBOX_LOAD_FAILED', details: { reason: { code: 'ROKU_SANDBOX_TIMEOUT' } } },
    });
    await expectRunnerAlive();
  });

  it('ends a call that awaits forever with a wall-clock timeout, and later calls fail until a reload', async () => {
    await runner.load('hang@1#1', BEHAVIOURS, { limits: { wallMsPerCall: 300 } });
    const result = await runner.call('hang@1#1', 'tool:hang');
    expect(result).toMatchObject({
      ok: false,
      error: { code: 'ROKU_SANDBOX_TIMEOUT', details: { limit: 'wall' } },
    });
    expectDisposedBefore('hang@1#1', result, 'ROKU_SANDBOX_TIMEOUT');
    const after = await runner.call('hang@1#1', 'tool:echo', 1);
    expect(after.error).toMatchObject({
      code: 'ROKU_SANDBOX_UNLOADED',
      details: { reason: { code: 'ROKU_SANDBOX_TIMEOUT' } },
    });
    await runner.load('hang@1#1', BEHAVIOURS);
    expect(responseOf(await runner.call('hang@1#1', 'tool:echo', 2))).toEqual({
      ok: true,
      value: { echo: 2 },
    });
  });

  it('fails every in-flight call of a plugin with the error that disposed it', async () => {
    await runner.load('many@1#1', BEHAVIOURS, { limits: { wallMsPerCall: 300 } });
    const calls = [runner.start('many@1#1', 'tool:hang'), runner.start('many@1#1', 'tool:hang')];
    const results = await Promise.all(calls.map((c) => c.result));
    for (const r of results) expect(r.error).toMatchObject({ code: 'ROKU_SANDBOX_TIMEOUT' });
  });

  it('reports a heap bomb as ROKU_SANDBOX_OOM and keeps the runner alive', async () => {
    await runner.load('bomb@1#1', BEHAVIOURS, { limits: { memoryMb: 16, cpuMsPerCall: 5000 } });
    const result = await runner.call('bomb@1#1', 'tool:heap-bomb');
    expect(result).toMatchObject({ ok: false, error: { code: 'ROKU_SANDBOX_OOM' } });
    expectDisposedBefore('bomb@1#1', result, 'ROKU_SANDBOX_OOM');
    await expectRunnerAlive();
  });

  it('refuses output over the byte limit', async () => {
    await runner.load('big@1#1', BEHAVIOURS, { limits: { outputBytes: 1000 } });
    const big = await runner.call('big@1#1', 'tool:big-output', 5000);
    expect(big.error).toMatchObject({ code: 'ROKU_SANDBOX_OUTPUT_TOO_LARGE' });
    expect(responseOf(await runner.call('big@1#1', 'tool:big-output', 10))).toEqual({
      ok: true,
      value: 'x'.repeat(10),
    });
  });

  it('rejects a returned object with getters without running them', async () => {
    await runner.load('getters@1#1', BEHAVIOURS, { limits: { cpuMsPerCall: 200 } });
    const result = await runner.call('getters@1#1', 'tool:return-getters');
    expect(result.error).toMatchObject({ code: 'ROKU_SANDBOX_BAD_OUTPUT' });
    await expectRunnerAlive();
  });

  it('reads a thrown Proxy defensively and reports a plugin error', async () => {
    await runner.load('proxy@1#1', BEHAVIOURS, { limits: { cpuMsPerCall: 200 } });
    expect(responseOf(await runner.call('proxy@1#1', 'tool:throw-proxy'))).toMatchObject({
      ok: false,
      error: { code: 'PLUGIN_ERROR' },
    });
  });

  it('rejects a thenable that resolves to a non-string and times out one whose then loops', async () => {
    await runner.load('thenable@1#1', BEHAVIOURS, { limits: { cpuMsPerCall: 200 } });
    expect((await runner.call('thenable@1#1', 'tool:return-thenable')).error).toMatchObject({
      code: 'ROKU_SANDBOX_BAD_OUTPUT',
    });
    const looping = await runner.call('thenable@1#1', 'tool:thenable-loop');
    expect(looping.error).toMatchObject({ code: 'ROKU_SANDBOX_TIMEOUT', details: { limit: 'cpu' } });
    await expectRunnerAlive();
  });
});
