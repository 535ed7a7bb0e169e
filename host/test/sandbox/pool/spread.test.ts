/**
 * A trust group whose runner is busy spreads over more runner processes (sandbox ceiling
 * `maxRunnersPerGroup`), while calls of one session stay on the runner that keeps the session's realm.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { PoolHarness } from './pool-harness.js';
import { createPoolHarness } from './pool-harness.js';

let h: PoolHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

/** The pids of the runners of a trust group, from the manager's view. */
function groupPids(harness: PoolHarness, group: string): (number | undefined)[] {
  return harness.host.sandboxes
    .runners()
    .filter((r) => r.group === group)
    .map((r) => r.pid);
}

describe('a busy plugin', () => {
  it('spreads its calls over a second runner process, all answered, and keeps a session on its runner', async () => {
    h = createPoolHarness({ maxRunnersPerGroup: 2 });
    const sandbox = await h.load('@spread/busy', {
      // `spin` keeps a core busy (what makes a runner the limit), `count` keeps state in the session's realm
      body: `if (input.count) { globalThis.count = (globalThis.count ?? 0) + 1; return globalThis.count; }
        const end = Date.now() + input.spin; while (Date.now() < end); await sleep(1); return input.n;`,
      // every call's fresh realm costs CPU charged to all calls in flight: room for a loaded machine
      limits: { concurrency: 32, wallMsPerCall: 20_000, cpuMsPerCall: 8000 },
    });
    expect(groupPids(h, 'isolate:@spread')).toHaveLength(1);
    // a session's realm lives in the first runner from now on
    const session = { session: 'kept' };
    await expect(sandbox.call('tool:t', { count: true }, session)).resolves.toBe(1);
    const busy = Array.from({ length: 8 }, (_, n) => sandbox.call('tool:t', { n, spin: 150 }));
    // the runner is seen saturated at its next CPU sample (every 250 ms)
    await new Promise((resolve) => setTimeout(resolve, 600));
    const more = Array.from({ length: 8 }, (_, n) => sandbox.call('tool:t', { n: 8 + n, spin: 20 }));
    const counts: unknown[] = [];
    for (let i = 0; i < 3; i++) counts.push(await sandbox.call('tool:t', { count: true }, session));
    await expect(Promise.all([...busy, ...more])).resolves.toEqual(Array.from({ length: 16 }, (_, n) => n));
    // the session saw one realm throughout: its calls never moved to the new runner
    expect(counts).toEqual([2, 3, 4]);
    const pids = groupPids(h, 'isolate:@spread');
    expect(pids).toHaveLength(2);
    expect(new Set(pids).size).toBe(2);
    const stats = await h.host.sandboxes.stats();
    const hosting = stats.filter((r) => r.plugins.some((p) => p.pluginKey.startsWith('@spread/busy@')));
    expect(hosting).toHaveLength(2);
    await sandbox.dispose();
    expect(groupPids(h, 'isolate:@spread')).toHaveLength(0);
  });

  it('stays in one runner while its calls only wait, and its group stops when the plugin goes', async () => {
    h = createPoolHarness({ maxRunnersPerGroup: 2 });
    const sandbox = await h.load('@one/busy', {
      body: `await sleep(input.ms); return input.n;`,
      limits: { concurrency: 32, cpuMsPerCall: 5000 },
    });
    // past the CPU the load itself took (the runner samples it every 250 ms)
    await new Promise((resolve) => setTimeout(resolve, 600));
    // many calls in flight but no CPU used: another process would only cost memory
    const calls = Array.from({ length: 12 }, (_, n) => sandbox.call('tool:t', { n, ms: 600 }));
    await expect(Promise.all(calls)).resolves.toEqual(Array.from({ length: 12 }, (_, n) => n));
    expect(groupPids(h, 'isolate:@one')).toHaveLength(1);
    await sandbox.dispose();
    expect(groupPids(h, 'isolate:@one')).toHaveLength(0);
  });
});
