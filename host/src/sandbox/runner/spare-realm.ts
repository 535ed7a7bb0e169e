/**
 * The realm an isolate plugin prepares ahead for its next call that needs a fresh one (a session's first call, a
 * call without a session), so that call does not wait for a context to be made and the bundle's top level to run.
 */

/**
 * Idle time after a call before the spare realm is prepared, where no other call is in flight. Preparing one
 * holds the isolate for about 1 ms (a small bundle) to 10 ms (a 1 MB SDK bundle), and a session's next call
 * often follows within a millisecond or two (the agent loop's next step): prepared at once, it was that call
 * that waited. Measured with the scripted provider, 50 tools and a new session every 40 ms: a turn took
 * 9.8-10.2 ms p50 (p90 11.6-14.2) against 12.4-14.0 (p90 17.0-20.2) with the spare prepared at once.
 */
export const SPARE_AFTER_IDLE_MS = 10;
/**
 * …unless fresh realms are being taken this close together (new sessions back to back): the next one would be
 * needed before the plugin is idle, and preparing it at once overlaps it with the other plugins' work. One
 * session at a time, each turn a new session (50 tools, scripted provider): 95 turns/s with the spare always
 * prepared at once, 72 with it always waiting for the idle time, 86-88 (against 88-89) with this rule.
 */
export const BACK_TO_BACK_MS = 25;

export class SpareRealm<T> {
  readonly #prepare: () => Promise<T>;
  readonly #quiet: () => boolean;
  /** The realm being prepared, and that realm once it is ready. */
  #spare: Promise<T> | undefined;
  #ready: T | undefined;
  /** Set while the spare waits for the plugin to be idle. */
  #timer: NodeJS.Timeout | undefined;
  /** When the last two spares were taken (performance.now()). */
  #takenAt = -Infinity;
  #takenBefore = -Infinity;

  /**
   * @param prepare makes a realm (or says why it could not); never rejects
   * @param quiet false while the runner has work in hand that must not wait behind a spare (a load): a spare
   *   due after the idle time waits until it is true
   */
  constructor(prepare: () => Promise<T>, quiet: () => boolean = () => true) {
    this.#prepare = prepare;
    this.#quiet = quiet;
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
   * while they wait on the host, which keeps a loaded plugin's throughput) or while spares are taken back to back,
   * else once no call has ended for SPARE_AFTER_IDLE_MS and the runner is quiet.
   */
  replenish(callsInFlight: number): void {
    if (this.#spare !== undefined) return;
    if (callsInFlight > 0 || this.#takenAt - this.#takenBefore < BACK_TO_BACK_MS) {
      this.prepareNow();
      return;
    }
    if (this.#timer !== undefined) {
      this.#timer.refresh();
      return;
    }
    this.#timer = setTimeout(() => {
      if (!this.#quiet()) {
        this.#timer?.refresh();
        return;
      }
      this.#timer = undefined;
      this.prepareNow();
    }, SPARE_AFTER_IDLE_MS);
    this.#timer.unref();
  }

  /** The spare realm: at once when it is ready (the call need not wait for a turn of the event loop). */
  take(): T | Promise<T> {
    this.#takenBefore = this.#takenAt;
    this.#takenAt = performance.now();
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
