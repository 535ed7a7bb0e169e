/**
 * The realm an isolate plugin prepares ahead for its next call that needs a fresh one (a session's first call, a
 * call without a session), so that call does not wait for a context to be made and the bundle's top level to run.
 */

/**
 * Idle time after a call before the spare realm is prepared, where no other call is in flight. Preparing one
 * holds the isolate for about 1 ms (a small bundle) to 10 ms (a 1 MB SDK bundle), and a session's next call
 * often follows within a millisecond or two (the agent loop's next step): prepared at once, it was that call
 * that waited. Measured with the scripted provider, 50 tools and a new session every 40 ms: a turn took
 * 10.5-11.8 ms p50 (p90 12.6-15.5) against 12.5-14.6 (p90 18.8-21.6) with the spare prepared at once.
 */
export const SPARE_AFTER_IDLE_MS = 10;

export class SpareRealm<T> {
  readonly #prepare: () => Promise<T>;
  /** The realm being prepared, and that realm once it is ready. */
  #spare: Promise<T> | undefined;
  #ready: T | undefined;
  /** Set while the spare waits for the plugin to be idle. */
  #timer: NodeJS.Timeout | undefined;

  /** @param prepare makes a realm (or says why it could not); never rejects */
  constructor(prepare: () => Promise<T>) {
    this.#prepare = prepare;
  }

  /** Starts preparing the spare now, unless one is on its way. */
  prepareNow(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#spare !== undefined) return;
    const spare = this.#prepare();
    this.#spare = spare;
    void spare.then((prepared) => {
      if (this.#spare === spare) this.#ready = prepared;
    });
  }

  /**
   * After a call ended: prepares the next spare at once while other calls are in flight (the isolate works on it
   * while they wait on the host, which keeps a loaded plugin's throughput), else once no call has ended for
   * SPARE_AFTER_IDLE_MS.
   */
  replenish(callsInFlight: number): void {
    if (this.#spare !== undefined) return;
    if (callsInFlight > 0) {
      this.prepareNow();
      return;
    }
    if (this.#timer !== undefined) {
      this.#timer.refresh();
      return;
    }
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.prepareNow();
    }, SPARE_AFTER_IDLE_MS);
    this.#timer.unref();
  }

  /** The spare realm: at once when it is ready (the call need not wait for a turn of the event loop). */
  take(): T | Promise<T> {
    const spare = this.#spare;
    const ready = this.#ready;
    this.#spare = undefined;
    this.#ready = undefined;
    return ready ?? spare ?? this.#prepare();
  }

  /** No spare is prepared any more (the plugin is gone). */
  stop(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}
