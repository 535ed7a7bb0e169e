/**
 * The timeout isolated-vm puts on an entry call's synchronous part. Each one is a timer on isolated-vm's timer
 * thread, and that thread wakes when a timer expires even where its call ended long before (a dead timer stays
 * queued until its time). One runner serving thousands of calls a second woke that thread thousands of times a
 * second: 12 % of the runner's CPU in a profile of trivial calls (perf), on a machine with 2 cores.
 *
 * So timeouts end on a grid: every call entered within one tick gets a timer that expires at the same tick
 * (within the millisecond isolated-vm counts in), and the thread wakes about once per tick. A call's limit grows
 * by less than one tick: at most an eighth of the limit, and at most 25 ms.
 */

const MAX_TICK_MS = 25;

/** The grid a limit's timeouts are aligned to, in ms. */
export function timeoutTickMs(limitMs: number): number {
  return Math.max(1, Math.min(MAX_TICK_MS, Math.floor(limitMs / 8)));
}

/** The timeout (whole ms, never below the limit) of a call entered at `nowMs` on the monotonic clock. */
export function alignedTimeoutMs(limitMs: number, tickMs: number, nowMs: number): number {
  const deadline = Math.ceil((nowMs + limitMs) / tickMs) * tickMs;
  return Math.max(limitMs, Math.floor(deadline - nowMs));
}

/** A timeout for something timed once (a realm's boot, a bundle's top level), on the same grid. */
export function timeoutFromNow(limitMs: number): number {
  return alignedTimeoutMs(limitMs, timeoutTickMs(limitMs), performance.now());
}

/**
 * isolated-vm's options for an entry call (one object per plugin, reused: isolated-vm reads them when the call
 * is made). `at()` sets the timeout for a call entered now.
 */
export class EntryOptions {
  timeout: number;
  readonly #limitMs: number;
  readonly #tickMs: number;

  constructor(limitMs: number) {
    this.#limitMs = limitMs;
    this.#tickMs = timeoutTickMs(limitMs);
    this.timeout = limitMs;
  }

  at(nowMs: number = performance.now()): this {
    this.timeout = alignedTimeoutMs(this.#limitMs, this.#tickMs, nowMs);
    return this;
  }
}
