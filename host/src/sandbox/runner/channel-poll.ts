/**
 * When to keep the runner's event loop polling its channel for a moment after it sent the host something,
 * instead of going to sleep in the kernel. A runner asleep costs both sides at each message: the host's write
 * has to wake it (on this 2-core VM, about 10 µs of kernel time in the writer) and the runner pays a context
 * switch to come back; measured on a trivial tool call, 74 µs p50 asleep, 45 µs with the runner polling 50 µs
 * after each answer, the host spending 10 µs less CPU a call and the runner as much more.
 *
 * Polling only pays where the host answers within the window, so it is learned per kind of message the runner
 * sends (a call's result, a capability request): a kind is polled after once its last PATTERN sends were each
 * followed by a message from the host within QUICK_MS. Agent turns, whose next call comes milliseconds after
 * a result, never qualify; a plugin's back-to-back capability requests and tight call loops do. Polls that
 * end with nothing arrived are capped at WASTE_BUDGET_MS per second, so a pattern that broke costs little.
 */

/** How long the runner polls after a send that qualifies. */
export const POLL_MS = 0.05;
/** A message from the host this soon after a send counts toward the pattern (a sleeping runner sees it late). */
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
  /** The last send since which nothing arrived: its kind and time. */
  #pending: { readonly kind: string; readonly at: number } | undefined;
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

  /** The runner sent a message of kind `kind` (its `t`). */
  sent(kind: string): void {
    const now = this.#now();
    this.#pending = { kind, at: now };
    if ((this.#quick.get(kind) ?? 0) < PATTERN || !this.#budgetLeft(now)) return;
    this.#until = now + POLL_MS;
    if (this.#polling) return;
    this.#polling = true;
    this.#schedule(this.#tick);
  }

  /** Bytes from the host arrived. */
  arrived(): void {
    const pending = this.#pending;
    if (pending === undefined) return;
    this.#pending = undefined;
    const quick = this.#now() - pending.at <= QUICK_MS;
    this.#quick.set(pending.kind, quick ? Math.min((this.#quick.get(pending.kind) ?? 0) + 1, PATTERN) : 0);
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
