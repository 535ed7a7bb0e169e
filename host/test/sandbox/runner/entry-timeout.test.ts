/**
 * The timeout on an entry call's synchronous part ends on a grid, so isolated-vm's timer thread wakes once per
 * tick rather than once per call; a call never gets less than its limit, and short limits stay short.
 */
import { describe, expect, it } from 'vitest';
import { EntryOptions, alignedTimeoutMs, timeoutTickMs } from '../../../src/sandbox/runner/entry-timeout.js';

describe('entry call timeouts on a grid', () => {
  it('gives every call entered within one tick the same expiry, never less than the limit', () => {
    const limit = 1000;
    const tick = timeoutTickMs(limit);
    expect(tick).toBe(25);
    const expiries = new Set<number>();
    for (let now = 5000.1; now < 5000 + tick; now += 0.7) {
      const timeout = alignedTimeoutMs(limit, tick, now);
      expect(timeout).toBeGreaterThanOrEqual(limit);
      expect(timeout).toBeLessThan(limit + tick);
      expect(Number.isInteger(timeout)).toBe(true);
      // isolated-vm counts whole ms from the call's entry: the expiry lands in the millisecond before the tick
      expiries.add(Math.ceil(now + timeout));
    }
    expect([...expiries]).toEqual([6025]);
  });

  it('keeps short limits short: the tick is at most an eighth of the limit', () => {
    expect(timeoutTickMs(1)).toBe(1);
    expect(timeoutTickMs(40)).toBe(5);
    for (const limit of [1, 7, 40, 100]) {
      for (const now of [0, 0.5, 12.3, 99.99]) {
        const timeout = alignedTimeoutMs(limit, timeoutTickMs(limit), now);
        expect(timeout).toBeGreaterThanOrEqual(limit);
        expect(timeout).toBeLessThanOrEqual(limit + timeoutTickMs(limit));
      }
    }
  });

  it('sets the options isolated-vm reads for a call entered now', () => {
    const options = new EntryOptions(1000);
    expect(options.at(100).timeout).toBe(1000);
    expect(options.at(101).timeout).toBe(1024);
    expect(options.at(124.5).timeout).toBe(1000);
    expect(options.at().timeout).toBeGreaterThanOrEqual(1000);
  });
});
