/**
 * When the runner has V8 collect a plugin's garbage: past half the heap limit, again as calls end while
 * collections free nothing (a realm that has not let go yet still holds the garbage), then less and less often
 * (a plugin whose live data is past half its limit must not pay a full collection after every call).
 */
import type ivm from 'isolated-vm';
import { describe, expect, it } from 'vitest';
import { COLLECT_AT_HEAP_SHARE, HeapWatch } from '../../../src/sandbox/runner/realm-budget.js';

const MB = 1024 * 1024;

/** A heap watch over a stand-in isolate whose used heap is set by hand. */
function watched(limitMb: number): {
  watch: HeapWatch;
  use: (mb: number, now: number) => Promise<void>;
} {
  let used = 0;
  const isolate = {
    getHeapStatistics: () => Promise.resolve({ used_heap_size: used, externally_allocated_size: 0 }),
  } as unknown as ivm.Isolate;
  const watch = new HeapWatch(isolate, limitMb);
  return {
    watch,
    // a sample as the runner takes them while calls run (at most one per 20 ms)
    use: async (mb: number, now: number) => {
      used = mb * MB;
      watch.sample(now, 1);
      await Promise.resolve();
      await Promise.resolve();
    },
  };
}

describe("sandbox runner: when a plugin's garbage is collected", () => {
  it('waits for the heap to pass half its limit, and stops once a collection freed it', async () => {
    const { watch, use } = watched(64);
    await use(30, 0);
    expect(watch.share).toBeLessThan(COLLECT_AT_HEAP_SHARE);
    expect(watch.wantsCollection(() => 0)).toBe(false);
    await use(40, 100);
    expect(watch.wantsCollection(() => 100)).toBe(true);
    watch.collected(8 * MB, 150);
    expect(watch.wantsCollection(() => 150)).toBe(false);
  });

  it('tries again as calls end while collections free nothing, then backs off, until one frees the heap', async () => {
    const { watch, use } = watched(64);
    await use(40, 0);
    let now = 0;
    // 16 fruitless collections in a row may follow each other at once
    for (let i = 0; i < 16; i++) {
      expect(watch.wantsCollection(() => now)).toBe(true);
      watch.collected(40 * MB, now);
    }
    expect(watch.wantsCollection(() => now)).toBe(false);
    expect(watch.wantsCollection(() => now + 999)).toBe(false);
    now += 1000;
    expect(watch.wantsCollection(() => now)).toBe(true);
    watch.collected(40 * MB, now);
    // the wait doubles
    expect(watch.wantsCollection(() => now + 1999)).toBe(false);
    now += 2000;
    expect(watch.wantsCollection(() => now)).toBe(true);
    // one that frees the garbage ends the back-off: the next time the heap fills, a collection comes at once
    watch.collected(6 * MB, now);
    expect(watch.wantsCollection(() => now)).toBe(false);
    await use(36, now + 50);
    expect(watch.wantsCollection(() => now + 50)).toBe(true);
  });

  it('never waits longer than 30 s between collections of a heap past half its limit', async () => {
    const { watch, use } = watched(64);
    await use(50, 0);
    let now = 0;
    for (let i = 0; i < 40; i++) {
      while (!watch.wantsCollection(() => now)) now += 100;
      watch.collected(50 * MB, now);
    }
    const started = now;
    while (!watch.wantsCollection(() => now)) now += 100;
    expect(now - started).toBeLessThanOrEqual(30_000);
  });
});
