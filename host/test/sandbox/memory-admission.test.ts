/**
 * Calls that hold much of a plugin's heap while they wait for the host: the realm budget counts realms, not
 * what each call holds, so enough of them at once could run the isolate out of memory (a V8 OOM fails every
 * call in it). The runner samples the heap and refuses calls unrun past a share of it; the host waits and
 * sends them again, so they run once the memory is given back.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness } from '../security/helpers.js';
import type { Harness } from '../security/helpers.js';

let h: Harness;

/** A plugin body: `hold` keeps `mb` MB of its heap across a host timer of `waitMs`, else it answers 'small'. */
function holding(mb: number, waitMs: number): string {
  return `if (!input.hold) return 'small';
    const held = [];
    for (let i = 0; i < ${mb}; i++) held.push(new Array(131072).fill(i + 0.5));
    await new Promise((resolve) => setTimeout(resolve, ${waitMs}));
    return held.length;`;
}
const LIMITS = { memoryMb: 64, cpuMsPerCall: 5000, wallMsPerCall: 60_000 };

beforeAll(async () => {
  h = await createHarness();
});
afterAll(async () => {
  await h.close();
});

describe('a call while the heap is mostly taken', () => {
  it('waits until the call holding the memory has ended, then runs', async () => {
    const sandbox = await h.load('memory-hungry', {
      // `hold`: 44 MB of the 64 MB heap, kept across a 600 ms wait for a host timer
      body: holding(44, 600),
      limits: LIMITS,
    });
    const ended: string[] = [];
    const big = sandbox.call('tool:t', { hold: true }, { session: 'big' }).then((r) => {
      ended.push('big');
      return r;
    });
    // the runner samples the heap every watchdog tick: by now it has seen the 44 MB
    await new Promise((resolve) => setTimeout(resolve, 200));
    const small = sandbox.call('tool:t', {}, { session: 'small' }).then((r) => {
      ended.push('small');
      return r;
    });
    await expect(Promise.all([big, small])).resolves.toEqual([44, 'small']);
    expect(ended).toEqual(['big', 'small']);
  }, 60_000);
});

describe("garbage a call leaves in its plugin's heap", () => {
  it('is collected once the call ends, not when V8 next needs the room', async () => {
    const sandbox = await h.load('garbage-maker', {
      // `hold`: 40 MB of the 64 MB heap, kept across a 150 ms wait (the runner samples the heap meanwhile),
      // garbage once the call ends (no session: its realm is let go)
      body: holding(40, 150),
      limits: LIMITS,
    });
    const heapMb = async (): Promise<number> => {
      const plugins = (await h.host.sandboxes.stats()).flatMap((runner) => runner.plugins);
      const own = plugins.find((p) => p.pluginKey.includes('garbage-maker'));
      if (own === undefined) throw new Error('garbage-maker is not loaded');
      return own.heapBytes / 1024 / 1024;
    };
    await expect(sandbox.call('tool:t', { hold: true })).resolves.toBe(40);
    // a few small calls: each end lets the runner try again if a realm still held the garbage
    for (let i = 0; i < 5; i++) {
      await expect(sandbox.call('tool:t', {})).resolves.toBe('small');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    // without the runner's collection the 40 MB stay until an allocation makes V8 collect
    expect(await heapMb()).toBeLessThan(20);
  }, 60_000);
});
