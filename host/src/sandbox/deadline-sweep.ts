/**
 * The host-side watchdog of sandbox calls: one interval that runs only while something has a deadline, instead
 * of a timer per call. Whatever a runner does (dies, spins, stops reading its pipe), every registered deadline
 * fires within `SWEEP_INTERVAL_MS` of its time.
 */

/** How often deadlines are checked; a call outlives its deadline by at most this much plus the grace given. */
export const SWEEP_INTERVAL_MS = 50;

interface Entry {
  readonly at: number;
  readonly onExpire: () => void;
}

export class DeadlineSweep {
  readonly #entries = new Set<Entry>();
  readonly #now: () => number;
  #timer: NodeJS.Timeout | undefined;

  constructor(now: () => number = () => performance.now()) {
    this.#now = now;
  }

  /** Calls `onExpire` once `at` (a `performance.now()` time) has passed; the returned function cancels it. */
  add(at: number, onExpire: () => void): () => void {
    const entry: Entry = { at, onExpire };
    this.#entries.add(entry);
    this.#timer ??= setInterval(() => {
      this.sweep();
    }, SWEEP_INTERVAL_MS).unref();
    // the interval stops at the first sweep that finds nothing left, not here: a call per few microseconds
    // would otherwise start and stop a timer each time
    return () => {
      this.#entries.delete(entry);
    };
  }

  /** Fires every expired entry (the interval calls it; tests and shutdown may too). */
  sweep(): void {
    const now = this.#now();
    for (const entry of [...this.#entries]) {
      if (entry.at > now) continue;
      this.#entries.delete(entry);
      try {
        entry.onExpire();
      } catch {
        // an expiry handler only rejects promises and kills processes; nothing may stop the sweep
      }
    }
    this.#stopWhenEmpty();
  }

  get size(): number {
    return this.#entries.size;
  }

  #stopWhenEmpty(): void {
    if (this.#entries.size > 0 || this.#timer === undefined) return;
    clearInterval(this.#timer);
    this.#timer = undefined;
  }
}
