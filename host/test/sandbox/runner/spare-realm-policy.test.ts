/**
 * When the runner prepares a plugin's spare realm after a call took it: at once under load (other calls in
 * flight, or fresh realms taken back to back), else once the plugin has been idle for a moment, so that a
 * session's next call does not wait behind it. A clock moved by hand stands in for time.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { BACK_TO_BACK_MS, SPARE_AFTER_IDLE_MS, SpareRealm } from '../../../src/sandbox/runner/spare-realm.js';

/** A spare realm whose realms are numbers, counting how many were prepared. */
function counted(): { spare: SpareRealm<number>; prepared: () => number } {
  let made = 0;
  const spare = new SpareRealm<number>(() => Promise.resolve(++made));
  return { spare, prepared: () => made };
}

describe('sandbox runner: when the spare realm is prepared', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('waits for the plugin to be idle, and a call ending meanwhile postpones it', async () => {
    const { spare, prepared } = counted();
    spare.prepareNow();
    await vi.advanceTimersByTimeAsync(1000);
    expect(await spare.take()).toBe(1);
    spare.replenish(0);
    await vi.advanceTimersByTimeAsync(SPARE_AFTER_IDLE_MS - 1);
    expect(prepared()).toBe(1);
    // the session's next call ended: still not idle
    spare.replenish(0);
    await vi.advanceTimersByTimeAsync(SPARE_AFTER_IDLE_MS - 1);
    expect(prepared()).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(prepared()).toBe(2);
    // ready, so the next new session takes it at once
    expect(spare.take()).toBe(2);
  });

  it('prepares it at once while other calls are in flight', async () => {
    const { spare, prepared } = counted();
    expect(await spare.take()).toBe(1); // none was ready: made for the call
    spare.replenish(3);
    expect(prepared()).toBe(2);
    await vi.advanceTimersByTimeAsync(0);
    expect(spare.take()).toBe(2);
  });

  it('prepares it at once while fresh realms are taken back to back', async () => {
    const { spare, prepared } = counted();
    await spare.take();
    await vi.advanceTimersByTimeAsync(1000);
    await spare.take();
    spare.replenish(0);
    expect(prepared()).toBe(2); // the first take after a quiet second: waits for idle
    await vi.advanceTimersByTimeAsync(BACK_TO_BACK_MS - 5);
    expect(prepared()).toBe(3);
    await spare.take();
    spare.replenish(0);
    expect(prepared()).toBe(4);
  });

  it('waits past the idle time while the runner is not quiet (loading other plugins)', async () => {
    let made = 0;
    let quiet = false;
    const spare = new SpareRealm<number>(
      () => Promise.resolve(++made),
      () => quiet,
    );
    spare.replenish(0); // as after a load: no call in flight
    await vi.advanceTimersByTimeAsync(SPARE_AFTER_IDLE_MS * 5);
    expect(made).toBe(0);
    quiet = true;
    await vi.advanceTimersByTimeAsync(SPARE_AFTER_IDLE_MS);
    expect(made).toBe(1);
    expect(spare.take()).toBe(1);
  });

  it('prepares none once stopped', async () => {
    const { spare, prepared } = counted();
    await spare.take();
    spare.replenish(0);
    spare.stop();
    await vi.advanceTimersByTimeAsync(1000);
    expect(prepared()).toBe(1);
  });
});
