import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { createSandboxMetrics } from '../../../src/sandbox/metrics.js';
import type { PoolHarness } from './pool-harness.js';
import { createPoolHarness, failureOf } from './pool-harness.js';

let h: PoolHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe('calls over a plugin concurrency limit', () => {
  it('wait in a queue and run in arrival order once slots free up, none failing', async () => {
    const registry = new Registry();
    h = createPoolHarness({}, createSandboxMetrics(registry));
    const sandbox = await h.load('@q/fifo', {
      body: `await sleep(20); return input.n;`,
      limits: { concurrency: 2 },
    });
    const finished: number[] = [];
    const calls = Array.from({ length: 12 }, (_, n) =>
      sandbox.call('tool:t', { n }).then((v) => {
        finished.push(v as number);
        return v;
      }),
    );
    expect(sandbox.inFlight).toBe(2);
    expect(sandbox.queued).toBe(10);
    await expect(Promise.all(calls)).resolves.toEqual(Array.from({ length: 12 }, (_, n) => n));
    // two run at a time; a later call never overtakes an earlier one by more than the other slot
    for (let i = 0; i < finished.length; i++) expect(Math.abs((finished[i] ?? 0) - i)).toBeLessThanOrEqual(1);
    expect(sandbox.inFlight).toBe(0);
    expect(sandbox.queued).toBe(0);
    expect(await registry.metrics()).toContain('roku_plugin_queued_calls{plugin="@q/fifo"} 0');
  });

  it('time out in the queue with ROKU_SANDBOX_TIMEOUT when the wait uses up their wall-clock limit', async () => {
    h = createPoolHarness();
    const sandbox = await h.load('@q/slow', {
      body: `await sleep(input.ms); return 'done';`,
      limits: { concurrency: 1, wallMsPerCall: 3000 },
    });
    await expect(sandbox.call('tool:t', { ms: 0 })).resolves.toBe('done');
    const first = sandbox.call('tool:t', { ms: 1500 });
    const second = sandbox.call('tool:t', { ms: 2500 }).catch((e: unknown) => e);
    const third = failureOf(sandbox.call('tool:t', { ms: 0 }));
    await expect(first).resolves.toBe('done');
    // the second gets the slot after ~1.5 s and runs past its deadline; the third never gets it in time
    expect((await second) as { code?: string }).toMatchObject({ code: 'ROKU_SANDBOX_TIMEOUT' });
    const error = await third;
    expect(error.code).toBe('ROKU_SANDBOX_TIMEOUT');
    expect(error.details).toMatchObject({ phase: 'queued', limitMs: 3000 });
    expect(error.message).toContain('concurrency');
    // waiting in the queue is not the plugin's fault: it is not quarantined for it
    expect(h.host.sandboxes.quarantine.list()).toEqual([]);
  });

  it('are refused with ROKU_SANDBOX_QUEUE_FULL once the queue is full, and accepted again when it drains', async () => {
    h = createPoolHarness({ maxQueuedCalls: 2 });
    const sandbox = await h.load('@q/full', {
      body: `await sleep(100); return 'ok';`,
      limits: { concurrency: 1 },
    });
    const accepted = [sandbox.call('tool:t', {}), sandbox.call('tool:t', {}), sandbox.call('tool:t', {})];
    const error = await failureOf(sandbox.call('tool:t', {}));
    expect(error.code).toBe('ROKU_SANDBOX_QUEUE_FULL');
    expect(error.message).toContain('@q/full');
    expect(error.message).toContain('plugins.grants');
    await expect(Promise.all(accepted)).resolves.toEqual(['ok', 'ok', 'ok']);
    await expect(sandbox.call('tool:t', {})).resolves.toBe('ok');
  });

  it("run at the concurrency the user's config grants the plugin, above its manifest's", async () => {
    h = createPoolHarness();
    const sandbox = await h.load('@q/raised', {
      body: `await sleep(50); return 'ok';`,
      // Every call in flight runs in a realm of its own in the plugin's isolate: 24 of them need the room.
      limits: { concurrency: 1, memoryMb: 128 },
      grants: { limits: { concurrency: 24 } },
    });
    expect(sandbox.limits.concurrency).toBe(24);
    expect(sandbox.concurrency).toBe(24);
    const calls = Array.from({ length: 24 }, () => sandbox.call('tool:t', {}));
    expect(sandbox.inFlight).toBe(24);
    expect(sandbox.queued).toBe(0);
    const results = await Promise.all(calls);
    expect(results.every((r) => r === 'ok')).toBe(true);
  });

  it("queue beyond what the plugin's memory holds, so that hundreds of sessions at once all succeed in a small heap", async () => {
    h = createPoolHarness();
    // Each call holds a realm of its own (a context with the prelude and the bundle) while it awaits: 300 of
    // them at once need far more than 16 MB, and a heap over its limit fails every call in it.
    const sandbox = await h.load('@q/small-heap', {
      body: `const kept = new Array(2000).fill(input.n); await sleep(20); return kept.length + input.n;`,
      limits: { concurrency: 4, memoryMb: 16 },
      grants: { limits: { concurrency: 1024 } },
    });
    expect(sandbox.limits.concurrency).toBe(1024);
    // the host admits what the measured realms fit in, and queues the rest
    expect(sandbox.concurrency).toBeGreaterThanOrEqual(1);
    expect(sandbox.concurrency).toBeLessThan(64);
    const calls = Array.from({ length: 300 }, (_, n) =>
      sandbox.call('tool:t', { n }, { session: `session-${n}` }),
    );
    expect(sandbox.inFlight).toBe(sandbox.concurrency);
    expect(sandbox.queued).toBe(300 - sandbox.concurrency);
    const results = await Promise.allSettled(calls);
    // not one call failed (a plugin driven over its memory limit fails them all with ROKU_SANDBOX_OOM)
    const failed = results.flatMap((r) =>
      r.status === 'rejected' ? [(r.reason as { code?: string }).code ?? String(r.reason)] : [],
    );
    expect(failed).toEqual([]);
    expect(results.map((r) => (r.status === 'fulfilled' ? r.value : undefined))).toEqual(
      Array.from({ length: 300 }, (_, n) => 2000 + n),
    );
    // and it keeps working: nothing was disposed on the way
    await expect(sandbox.call('tool:t', { n: 1 }, { session: 'session-1' })).resolves.toBe(2001);
  });

  it("say so when the plugin's memory is what holds them back once the queue is full", async () => {
    h = createPoolHarness({ maxQueuedCalls: 2 });
    const sandbox = await h.load('@q/small-heap-full', {
      body: `await sleep(100); return 'ok';`,
      limits: { concurrency: 4, memoryMb: 16 },
      grants: { limits: { concurrency: 1024 } },
    });
    const accepted = Array.from({ length: sandbox.concurrency + 2 }, () => sandbox.call('tool:t', {}));
    const error = await failureOf(sandbox.call('tool:t', {}));
    expect(error.code).toBe('ROKU_SANDBOX_QUEUE_FULL');
    expect(error.message).toContain('16 MB of memory');
    expect(error.message).toContain('plugins.grants["@q/small-heap-full"].limits.memoryMb');
    expect(error.details).toMatchObject({ limit: sandbox.concurrency, maxQueued: 2 });
    await expect(Promise.all(accepted)).resolves.toEqual(accepted.map(() => 'ok'));
  });

  it("run more at once when the user's config grants the plugin more memory than its manifest asks", async () => {
    h = createPoolHarness();
    const spec = { body: `await sleep(30); return input.n;`, limits: { concurrency: 4, memoryMb: 16 } };
    const small = await h.load('@q/heap-stock', { ...spec, grants: { limits: { concurrency: 1024 } } });
    const large = await h.load('@q/heap-granted', {
      ...spec,
      grants: { limits: { concurrency: 1024, memoryMb: 64 } },
    });
    expect(small.limits.memoryMb).toBe(16);
    expect(large.limits.memoryMb).toBe(64);
    // each call in flight holds a realm: four times the heap holds more of them at once
    expect(large.concurrency).toBeGreaterThan(small.concurrency);
    const calls = Array.from({ length: 100 }, (_, n) => large.call('tool:t', { n }, { session: `s-${n}` }));
    expect(large.inFlight).toBe(large.concurrency);
    await expect(Promise.all(calls)).resolves.toEqual(Array.from({ length: 100 }, (_, n) => n));
  });

  it('run more than 32 at once in one isolate when the memory granted holds them', async () => {
    h = createPoolHarness();
    // what a provider does: each call waits on its upstream, holding its realm
    const sandbox = await h.load('@q/heap-wide', {
      body: `await sleep(200); return input.n;`,
      limits: { concurrency: 4, memoryMb: 16 },
      grants: { limits: { concurrency: 1024, memoryMb: 256 } },
    });
    expect(sandbox.concurrency).toBeGreaterThan(32);
    const calls = Array.from({ length: 120 }, (_, n) => sandbox.call('tool:t', { n }, { session: `w-${n}` }));
    expect(sandbox.inFlight).toBe(sandbox.concurrency);
    await expect(Promise.all(calls)).resolves.toEqual(Array.from({ length: 120 }, (_, n) => n));
  });

  it("keep a memory grant within the host's ceiling for plugins", async () => {
    h = createPoolHarness({ maxPluginMemoryMb: 32 });
    const sandbox = await h.load('@q/heap-capped', {
      body: `return 'ok';`,
      limits: { memoryMb: 16 },
      grants: { limits: { memoryMb: 512 } },
    });
    expect(sandbox.limits.memoryMb).toBe(32);
    await expect(sandbox.call('tool:t', {})).resolves.toBe('ok');
  });
});
