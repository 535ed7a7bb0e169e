import { afterEach, describe, expect, it } from 'vitest';
import type { PoolHarness } from './pool-harness.js';
import { createPoolHarness, failureOf } from './pool-harness.js';

const SETTLED_CODES = new Set([
  'ROKU_SANDBOX_CRASHED',
  'ROKU_SANDBOX_TIMEOUT',
  'ROKU_SANDBOX_OOM',
  'ROKU_SANDBOX_QUARANTINED',
  'ROKU_PLUGIN_FAILED',
]);

let h: PoolHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

/** Waits until the runner of `pluginId` is up and returns its pid. */
async function pidOf(harness: PoolHarness, pluginId: string): Promise<number> {
  let pid: number | undefined;
  await expect
    .poll(async () => (pid = await harness.runnerPid(pluginId)), { timeout: 10_000 })
    .toBeTypeOf('number');
  return pid as number;
}

describe('calls whose runner goes away', () => {
  it('fails a call in flight with ROKU_SANDBOX_CRASHED when its runner is killed with SIGKILL, and the next call runs on a new runner', async () => {
    h = createPoolHarness();
    const sandbox = await h.load('@a/waiter', {
      body: `if (input.wait) { await cap('log', { level: 'info', message: 'started' }); await new Promise(() => {}); } return 'fresh';`,
      limits: { wallMsPerCall: 30_000 },
    });
    const pid = await pidOf(h, '@a/waiter');
    const call = sandbox.call('tool:t', { wait: true });
    await expect.poll(() => sandbox.inFlight).toBe(1);
    // the call asked the host for something, so it may have acted: it is not sent again
    await new Promise((r) => setTimeout(r, 100));
    process.kill(pid, 'SIGKILL');
    const error = await failureOf(call);
    expect(error.code).toBe('ROKU_SANDBOX_CRASHED');
    await expect(sandbox.call('tool:t', {})).resolves.toBe('fresh');
    expect(await h.runnerPid('@a/waiter')).not.toBe(pid);
  });

  it('sends calls that had not touched the host again on the new runner when several were in flight', async () => {
    h = createPoolHarness();
    const one = await h.load('@a/one', { body: `await sleep(input.ms); return 'one';` });
    const two = await h.load('@a/two', { body: `await sleep(input.ms); return 'two';` });
    const pid = await pidOf(h, '@a/one');
    expect(await h.runnerPid('@a/two')).toBe(pid);
    const calls = [one.call('tool:t', { ms: 600 }), two.call('tool:t', { ms: 600 })];
    await new Promise((r) => setTimeout(r, 150));
    process.kill(pid, 'SIGKILL');
    await expect(Promise.all(calls)).resolves.toEqual(['one', 'two']);
  });

  it('fails a call with ROKU_SANDBOX_TIMEOUT by its deadline when the runner stops reading its pipe (SIGSTOP), and replaces the runner', async () => {
    h = createPoolHarness();
    const sandbox = await h.load('@a/stopped', {
      body: `await sleep(50); return 'answered';`,
      limits: { wallMsPerCall: 500 },
    });
    const pid = await pidOf(h, '@a/stopped');
    process.kill(pid, 'SIGSTOP');
    try {
      const error = await failureOf(sandbox.call('tool:t', {}));
      expect(error.code).toBe('ROKU_SANDBOX_TIMEOUT');
      expect(error.details).toMatchObject({ limit: 'wall', limitMs: 500, phase: 'running' });
      // the runner never answers the cancel either: the host kills it and the next call gets a new one
      await expect.poll(() => sandbox.call('tool:t', {}), { timeout: 10_000 }).toBe('answered');
      expect(await h.runnerPid('@a/stopped')).not.toBe(pid);
    } finally {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  });

  it('fails calls waiting for a load with ROKU_SANDBOX_TIMEOUT by their deadline when the new runner hangs, and frees their slots', async () => {
    const harness = (h = createPoolHarness());
    // top-level work long enough to stop the runner while it loads the plugin
    const sandbox = await harness.load('@a/reload', {
      body: `return 'loaded';`,
      top: `const end = Date.now() + 300; while (Date.now() < end) {}`,
      limits: { wallMsPerCall: 1500 },
    });
    const pid = await pidOf(harness, '@a/reload');
    process.kill(pid, 'SIGKILL');
    await expect.poll(() => harness.host.sandboxes.runners()[0]?.pid).toBeUndefined();
    const calls = [sandbox.call('tool:t', {}), sandbox.call('tool:t', {})];
    let next: number | undefined;
    await expect
      .poll(() => (next = harness.host.sandboxes.runners()[0]?.pid), { interval: 5 })
      .toBeTypeOf('number');
    process.kill(next as number, 'SIGSTOP');
    try {
      for (const call of calls) {
        const error = await failureOf(call);
        expect(error.code).toBe('ROKU_SANDBOX_TIMEOUT');
        expect(error.details.phase).toBe('loading');
      }
      // the stopped runner is killed when its start or load deadline passes; nothing waits on it after
      await expect.poll(() => sandbox.inFlight, { timeout: 20_000 }).toBe(0);
      await expect(sandbox.call('tool:t', {})).resolves.toBe('loaded');
    } finally {
      try {
        process.kill(next as number, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  });

  it('settles every call with a result or a typed error while runners are recycled and killed under load', async () => {
    // a small runner: allocation-heavy calls push it over its recycle line and its OS memory cap
    h = createPoolHarness({ runnerMemoryMb: 160 });
    const hog = await h.load('@a/hog', {
      body: `const keep = []; for (let i = 0; i < input.mb; i++) keep.push(new Uint8Array(1 << 20).fill(i)); await sleep(5); return keep.length;`,
      limits: { memoryMb: 64, wallMsPerCall: 5000, concurrency: 4 },
    });
    const calm = await h.load('@a/calm', {
      body: `await sleep(2); return 'calm';`,
      limits: { wallMsPerCall: 5000, concurrency: 8 },
    });
    const outcome = (call: Promise<unknown>): Promise<string> =>
      call.then(
        () => 'ok',
        (err: unknown) => (err as { code?: string }).code ?? 'untyped',
      );
    const calls: Promise<string>[] = [];
    for (let i = 0; i < 60; i++) {
      calls.push(outcome(hog.call('tool:t', { mb: 20 + (i % 3) * 10 })));
      calls.push(outcome(calm.call('tool:t', {})));
      if (i % 10 === 9) await new Promise((r) => setTimeout(r, 20));
    }
    const codes = await Promise.all(calls);
    expect(codes.filter((c) => c !== 'ok' && !SETTLED_CODES.has(c))).toEqual([]);
    expect(codes).toContain('ok');
    h.host.sandboxes.quarantine.release('@a/hog');
    await expect(calm.call('tool:t', {})).resolves.toBe('calm');
  });
});
