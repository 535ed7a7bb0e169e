/**
 * The runner enters an idle isolate synchronously once a plugin's first calls ended well (the fast path). Calls
 * there must behave as on the asynchronous path: same answers, capability requests belonging to their call, and
 * the same limits for plugins that spin.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StatsMessage } from '../../../src/sandbox/protocol.js';
import { RunnerHarness, fixture, responseOf } from './harness.js';

const BEHAVIOURS = fixture('behaviours.js');
/** More calls than the probation the runner gives a plugin before its fast path. */
const WARM_UP_CALLS = 8;

describe('sandbox runner: calls on the synchronous fast path', () => {
  let runner: RunnerHarness;
  beforeAll(async () => {
    runner = await RunnerHarness.start();
  });
  afterAll(async () => {
    await runner.stop();
  });

  /** Loads a plugin and runs calls that end well, so that its next calls take the fast path. */
  async function loadWarm(pluginKey: string, cpuMsPerCall = 1000): Promise<void> {
    await runner.load(pluginKey, BEHAVIOURS, { limits: { cpuMsPerCall } });
    for (let i = 0; i < WARM_UP_CALLS; i++) {
      expect(responseOf(await runner.call(pluginKey, 'tool:echo', i))).toEqual({
        ok: true,
        value: { echo: i },
      });
    }
  }

  it('answers every call of a warm plugin, including large payloads', async () => {
    await loadWarm('warm@1#1');
    const text = 'é'.repeat(20_000);
    expect(responseOf(await runner.call('warm@1#1', 'tool:echo', text))).toEqual({
      ok: true,
      value: { echo: text },
    });
    // as many at once as the default limits allow (the host queues the rest)
    const results = await Promise.all(
      Array.from({ length: 4 }, (_, i) => runner.call('warm@1#1', 'tool:echo', { i })),
    );
    expect(results.map((r) => responseOf(r))).toEqual(
      Array.from({ length: 4 }, (_, i) => ({ ok: true, value: { echo: { i } } })),
    );
  });

  it('delivers a capability request the call sent without awaiting, as part of that call', async () => {
    await loadWarm('unawaited@1#1');
    const { id, result } = runner.start('unawaited@1#1', 'tool:cap-unawaited');
    expect(responseOf(await result)).toEqual({ ok: true, value: 'sent' });
    const request = runner.caps.find((c) => c.pluginKey === 'unawaited@1#1' && c.op === 'log');
    expect(request).toMatchObject({ callId: id, args: { message: 'sent without waiting' } });
  });

  it('continues a call that awaits the host and attributes its requests to it', async () => {
    await loadWarm('awaits@1#1');
    const { id, result } = runner.start('awaits@1#1', 'tool:log', 'hello');
    expect(responseOf(await result)).toEqual({ ok: true, value: null });
    expect(runner.caps.filter((c) => c.pluginKey === 'awaits@1#1').map((c) => c.callId)).toContain(id);
  });

  it('resumes each call awaiting the host with its own replies, many calls at once', async () => {
    await runner.load('chain@1#1', BEHAVIOURS, { limits: { concurrency: 16 } });
    for (let i = 0; i < WARM_UP_CALLS; i++) await runner.call('chain@1#1', 'tool:echo', i);
    // replies come back out of order: the host answers each after a delay of its own
    runner.capOverride = async (seen) => {
      if (seen.op !== 'kv.get') return undefined;
      await new Promise((resolve) => setTimeout(resolve, Math.floor(Math.random() * 5)));
      return { ok: true, value: { value: `v:${String(seen.args.key)}` } };
    };
    try {
      const calls = Array.from({ length: 16 }, (_, c) => {
        const keys = Array.from({ length: 20 }, (_, k) => `${String(c)}-${String(k)}`);
        return runner.call('chain@1#1', 'tool:kv-chain', { keys }).then((r) => ({ r: responseOf(r), keys }));
      });
      for (const { r, keys } of await Promise.all(calls)) {
        expect(r).toEqual({ ok: true, value: keys.map((k) => `v:${k}`) });
      }
      // the plugin replacing the global Promise does not break how replies come back
      expect(responseOf(await runner.call('chain@1#1', 'tool:cap-with-promise-replaced'))).toEqual({
        ok: true,
        value: 'v:k',
      });
    } finally {
      runner.capOverride = undefined;
    }
  });

  /** The plugin's entries into the isolate made on isolated-vm's threads so far. */
  async function asyncEntries(pluginKey: string): Promise<number | undefined> {
    const stats = runner.waitFor((m): m is StatsMessage => m.t === 'stats');
    runner.send({ t: 'stats' });
    return (await stats).plugins.find((p) => p.pluginKey === pluginKey)?.asyncEntries;
  }

  it('resumes a warm call awaiting replies and timers on the runner thread, with no asynchronous entry', async () => {
    const key = 'resume@1#1';
    await runner.load(key, BEHAVIOURS);
    for (let i = 0; i < WARM_UP_CALLS; i++) await runner.call(key, 'tool:echo', i, 'session-1');
    runner.capOverride = (seen) =>
      Promise.resolve(
        seen.op === 'kv.get' ? { ok: true, value: { value: `v:${String(seen.args.key)}` } } : undefined,
      );
    try {
      // the session's realm is kept between its calls: no realm is prepared meanwhile
      const before = await asyncEntries(key);
      for (let i = 0; i < 5; i++) {
        expect(responseOf(await runner.call(key, 'tool:cap-then-timer', null, 'session-1'))).toEqual({
          ok: true,
          value: ['v:a', 'v:b'],
        });
        expect(
          responseOf(await runner.call(key, 'tool:kv-chain', { keys: ['x', 'y', 'z'] }, 'session-1')),
        ).toEqual({ ok: true, value: ['v:x', 'v:y', 'v:z'] });
      }
      expect(await asyncEntries(key)).toBe(before);
    } finally {
      runner.capOverride = undefined;
    }
  });

  it('finishes a call parked on the fast path while another runs off the runner thread', async () => {
    const key = 'mixed@1#1';
    await loadWarm(key);
    const held = new Map<string, () => void>();
    runner.capOverride = async (seen) => {
      if (seen.op !== 'kv.get') return undefined;
      const name = String(seen.args.key);
      await new Promise<void>((resolve) => held.set(name, resolve));
      return { ok: true, value: { value: `v:${name}` } };
    };
    const requested = (name: string): Promise<unknown> =>
      runner.waitFor((m) => m.t === 'cap' && m.request.includes(`"key":"${name}"`));
    try {
      // a synchronous part of 30 ms of CPU: the call is parked, the plugin's next calls go asynchronously
      const parkedAsked = requested('parked');
      const parked = runner.call(key, 'tool:burn-then-cap', { burnMs: 30, key: 'parked' });
      await parkedAsked;
      const offThreadAsked = requested('off-thread');
      const offThread = runner.call(key, 'tool:burn-then-cap', { burnMs: 0, key: 'off-thread' });
      await offThreadAsked;
      // the parked call's reply arrives while the other call still runs in the isolate off the runner's thread
      held.get('parked')?.();
      expect(responseOf(await parked)).toEqual({ ok: true, value: 'v:parked' });
      held.get('off-thread')?.();
      expect(responseOf(await offThread)).toEqual({ ok: true, value: 'v:off-thread' });
    } finally {
      runner.capOverride = undefined;
    }
  });

  // a synchronous loop, and one resumed by a reply of the host (handed back on the runner's thread)
  it.each([
    ['spin-sync', 'spin@1#1'],
    ['spin-after-cap', 'spin-after@1#1'],
  ])('stops a %s infinite loop with the CPU timeout and keeps the runner serving', async (tool, key) => {
    await loadWarm(key, 100);
    const result = await runner.call(key, `tool:${tool}`);
    expect(result).toMatchObject({
      ok: false,
      error: { code: 'ROKU_SANDBOX_TIMEOUT', details: { limit: 'cpu' } },
    });
    await loadWarm(`after-${key}`);
  });

  // entered on the runner's thread: the isolate's heap limit must still end in a typed failure, not the runner
  it.each([
    ['heap-bomb', 'bomb@1#1'],
    ['heap-bomb-after-cap', 'bomb-after@1#1'],
  ])('fails a warm %s call with ROKU_SANDBOX_OOM and keeps the runner serving', async (tool, key) => {
    await runner.load(key, BEHAVIOURS, { limits: { memoryMb: 32 } });
    for (let i = 0; i < WARM_UP_CALLS; i++) await runner.call(key, 'tool:echo', i);
    expect(await runner.call(key, `tool:${tool}`)).toMatchObject({
      ok: false,
      error: { code: 'ROKU_SANDBOX_OOM' },
    });
    await loadWarm(`after-${key}`);
  });

  it('disposes a warm plugin that spins in the background once its call has returned', async () => {
    await loadWarm('bg-spin@1#1', 100);
    const disposed = runner.waitFor((m) => m.t === 'disposed' && m.pluginKey === 'bg-spin@1#1');
    expect(responseOf(await runner.call('bg-spin@1#1', 'tool:spin-in-background'))).toEqual({
      ok: true,
      value: 'started',
    });
    expect(await disposed).toMatchObject({
      reason: { code: 'ROKU_SANDBOX_TIMEOUT', details: { limit: 'cpu' } },
    });
    await loadWarm('after-bg-spin@1#1');
  });
});
