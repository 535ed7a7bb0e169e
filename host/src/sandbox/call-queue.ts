import { RokuError } from '@roku/schemas';

/** Default bound of calls one plugin version may have waiting for a slot (`sandbox.maxQueuedCalls`). */
export const DEFAULT_MAX_QUEUED_CALLS = 4096;

interface Waiter {
  readonly grant: () => void;
  readonly fail: (error: RokuError) => void;
  done: boolean;
}

/**
 * A plugin's concurrency slots with a fair, bounded FIFO of calls waiting for one. A call over the limit waits
 * in arrival order instead of failing; the time it waits counts toward its deadline (the caller expires it);
 * a full queue is backpressure the caller sees at once as ROKU_SANDBOX_QUEUE_FULL.
 */
export class CallQueue {
  readonly #label: string;
  #limit: number;
  readonly #maxQueued: number;
  #running = 0;
  /** Waiters in arrival order from `#head`; expired ones stay until reached (marked done). */
  #waiters: Waiter[] = [];
  #head = 0;
  #queued = 0;
  #closed: RokuError | undefined;
  /** Why the limit is lower than the plugin's concurrency, said in the queue-full error. */
  #bound: string | undefined;

  constructor(label: string, limit: number, maxQueued: number) {
    this.#label = label;
    this.#limit = Math.max(1, limit);
    this.#maxQueued = Math.max(0, maxQueued);
  }

  /** Calls that may run at once. */
  get limit(): number {
    return this.#limit;
  }

  /**
   * Changes how many calls may run at once (the plugin's memory was measured). Calls already running go on;
   * waiting ones start as slots free up under the new limit.
   */
  setLimit(limit: number, bound?: string): void {
    this.#limit = Math.max(1, limit);
    this.#bound = bound;
    this.#pump();
  }

  /** Why the limit is lower than the plugin's concurrency (what to raise), if it is. */
  get bound(): string | undefined {
    return this.#bound;
  }

  get running(): number {
    return this.#running;
  }

  get queued(): number {
    return this.#queued;
  }

  /** Takes a slot if one is free now and nobody waits (the queue is open); `release()` gives it back. */
  tryAcquire(): boolean {
    if (this.#closed !== undefined || this.#running >= this.#limit || this.#queued > 0) return false;
    this.#running += 1;
    return true;
  }

  /**
   * Takes a slot: at once when one is free, else after the calls queued before it. Returns the waiting
   * promise and a `cancel` that gives up the place in the queue (the deadline passed) with `error`.
   * Every granted slot must be given back with `release()`.
   */
  acquire(): { ready: Promise<void>; cancel: (error: RokuError) => void } {
    if (this.#closed !== undefined) return { ready: Promise.reject(this.#closed), cancel: () => undefined };
    if (this.#running < this.#limit && this.#queued === 0) {
      this.#running += 1;
      return { ready: Promise.resolve(), cancel: () => undefined };
    }
    if (this.#queued >= this.#maxQueued) {
      return {
        ready: Promise.reject(
          new RokuError(
            'ROKU_SANDBOX_QUEUE_FULL',
            `${this.#label}: ${this.#running} calls running and ${this.#queued} waiting (limits ${this.#limit} and ${this.#maxQueued}${this.#bound === undefined ? '' : `; ${this.#bound}`}); retry later, or raise plugins.grants["<id>"].limits.concurrency or sandbox.maxQueuedCalls`,
            {
              details: {
                running: this.#running,
                queued: this.#queued,
                limit: this.#limit,
                maxQueued: this.#maxQueued,
              },
            },
          ),
        ),
        cancel: () => undefined,
      };
    }
    let waiter!: Waiter;
    const ready = new Promise<void>((resolve, reject) => {
      waiter = {
        grant: resolve,
        fail: reject,
        done: false,
      };
    });
    this.#waiters.push(waiter);
    this.#queued += 1;
    return {
      ready,
      cancel: (error) => {
        if (waiter.done) return;
        waiter.done = true;
        this.#queued -= 1;
        waiter.fail(error);
      },
    };
  }

  /** Gives a slot back and hands it to the first waiter still waiting. */
  release(): void {
    this.#running -= 1;
    this.#pump();
  }

  /** Fails every waiter and every later acquire with `error` (the plugin was revoked or unloaded). */
  close(error: RokuError): void {
    this.#closed ??= error;
    for (let i = this.#head; i < this.#waiters.length; i++) {
      const waiter = this.#waiters[i];
      if (waiter === undefined || waiter.done) continue;
      waiter.done = true;
      waiter.fail(error);
    }
    this.#waiters = [];
    this.#head = 0;
    this.#queued = 0;
  }

  #pump(): void {
    while (this.#running < this.#limit && this.#head < this.#waiters.length) {
      const waiter = this.#waiters[this.#head];
      this.#head += 1;
      if (waiter === undefined || waiter.done) continue;
      waiter.done = true;
      this.#queued -= 1;
      this.#running += 1;
      waiter.grant();
    }
    // drop the consumed prefix now and then, so the array does not grow with the number of calls ever queued
    if (this.#head > 1024 && this.#head * 2 > this.#waiters.length) {
      this.#waiters = this.#waiters.slice(this.#head);
      this.#head = 0;
    }
  }
}
