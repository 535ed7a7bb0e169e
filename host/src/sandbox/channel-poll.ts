/**
 * When to keep a process's event loop polling the runner channel for a moment after it sent the other side
 * something, instead of going to sleep in the kernel: the runner (runner/main.ts) and the host (one per runner,
 * runner-process.ts) each have one. A side asleep costs both at each message: the writer has to wake it (on
 * this 2-core VM, about 10 µs of kernel time in the writer) and the sleeper pays a context switch to come back.
 * Measured on a trivial tool call: 74 µs p50 with both asleep, 45 µs with the runner polling 50 µs after each
 * answer (the host spending 10 µs less CPU a call and the runner as much more), about 40 µs with both polling.
 *
 * Polling only pays where the other side answers within the window, so it is learned per kind of message sent
 * (a call, a call's result, a capability request or reply): a kind is polled after once its last PATTERN sends
 * were each followed by a message from the other side within QUICK_MS. The calls of agent turns, which come
 * milliseconds apart, never qualify; a plugin's back-to-back capability requests and tight call loops do. Polls
 * that end with nothing arrived are capped at WASTE_BUDGET_MS per second, so a pattern that broke costs little.
 */

/** How long a side polls after a send that qualifies. */
export const POLL_MS = 0.05;
/** An answer this soon after a send counts toward the pattern (a sleeping side sees it late, after its wake-up). */
export const QUICK_MS = 0.1;
/** Sends of a kind in a row followed by a quick message before that kind is polled after. */
export const PATTERN = 4;
/** Polling that saw nothing arrive, at most, per window of WINDOW_MS. */
export const WASTE_BUDGET_MS = 20;
const WINDOW_MS = 1000;

export class ChannelPoll {
  readonly #now: () => number;
  readonly #schedule: (tick: () => void) => void;
  /** Quick answers in a row, per kind of send. */
  readonly #quick = new Map<string, number>();
  /** The kind of the last send since which nothing arrived (undefined: something did), and its time. */
  #pendingKind: string | undefined;
  #pendingAt = 0;
  #until = 0;
  #polling = false;
  #windowStart = 0;
  #wasted = 0;

  /**
   * @param now a clock in milliseconds
   * @param schedule runs `tick` on the next turn of the event loop without letting the loop sleep (setImmediate)
   */
  constructor(
    now: () => number = () => performance.now(),
    schedule: (tick: () => void) => void = (tick) => setImmediate(tick),
  ) {
    this.#now = now;
    this.#schedule = schedule;
  }

  /** True while the loop is kept polling. */
  get polling(): boolean {
    return this.#polling;
  }

  /** This side sent a message of kind `kind` (its `t`). */
  sent(kind: string): void {
    const now = this.#now();
    this.#pendingKind = kind;
    this.#pendingAt = now;
    if ((this.#quick.get(kind) ?? 0) < PATTERN || !this.#budgetLeft(now)) return;
    this.#until = now + POLL_MS;
    if (this.#polling) return;
    this.#polling = true;
    this.#schedule(this.#tick);
  }

  /** Bytes from the other side arrived. */
  arrived(): void {
    const kind = this.#pendingKind;
    if (kind === undefined) return;
    this.#pendingKind = undefined;
    const quick = this.#now() - this.#pendingAt <= QUICK_MS;
    this.#quick.set(kind, quick ? Math.min((this.#quick.get(kind) ?? 0) + 1, PATTERN) : 0);
    this.#until = 0;
  }

  readonly #tick = (): void => {
    const now = this.#now();
    if (now < this.#until) {
      this.#schedule(this.#tick);
      return;
    }
    this.#polling = false;
    // ended by its deadline, not by an arrival: the window was spent for nothing
    if (this.#until > 0) {
      this.#wasted += POLL_MS;
      this.#until = 0;
    }
  };

  #budgetLeft(now: number): boolean {
    if (now - this.#windowStart >= WINDOW_MS) {
      this.#windowStart = now;
      this.#wasted = 0;
    }
    return this.#wasted < WASTE_BUDGET_MS;
  }
}
