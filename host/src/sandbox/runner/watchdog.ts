/**
 * CPU policing for sandboxes. isolated-vm's `timeout` only covers the synchronous part of an entry call; code
 * that runs after awaiting a host promise (a capability reply, a timer) is untimed. So the runner polls each
 * isolate's `cpuTime` and disposes the isolate when a call, or background work, exceeds its budget.
 */

/** How often the watchdog samples every watched sandbox. */
export const WATCHDOG_INTERVAL_MS = 10;

/**
 * Share of wall time a plugin may use on the CPU while none of its calls runs (timer callbacks, stray
 * continuations). The idle budget refills at this rate up to one call's CPU limit.
 */
export const IDLE_CPU_SHARE = 0.1;

/** Verdict of a budget check: nothing, a call over its limit, or background work over the idle budget. */
export type CpuVerdict =
  { readonly kind: 'call'; readonly id: number } | { readonly kind: 'idle' } | undefined;

/**
 * Per-plugin CPU accounting. A call's usage is the isolate's CPU time since the call started, so concurrent
 * calls of one plugin are charged for each other: conservative, never lenient.
 */
export class CpuBudget {
  readonly #limitMs: number;
  /** Call id -> CPU time at its start and its own limit. */
  readonly #calls = new Map<number, { readonly startMs: number; readonly limitMs: number }>();
  #idleTokensMs: number;
  #lastCpuMs: number;
  #lastWallMs: number;

  constructor(limitMs: number, cpuNowMs: number, wallNowMs: number) {
    this.#limitMs = limitMs;
    this.#idleTokensMs = limitMs;
    this.#lastCpuMs = cpuNowMs;
    this.#lastWallMs = wallNowMs;
  }

  /** Starts charging a call (or the load, with its own larger limit). */
  startCall(id: number, cpuNowMs: number, limitMs: number = this.#limitMs): void {
    this.#calls.set(id, { startMs: cpuNowMs, limitMs });
  }

  endCall(id: number): void {
    this.#calls.delete(id);
  }

  check(cpuNowMs: number, wallNowMs: number): CpuVerdict {
    const spentMs = cpuNowMs - this.#lastCpuMs;
    const elapsedMs = wallNowMs - this.#lastWallMs;
    this.#lastCpuMs = cpuNowMs;
    this.#lastWallMs = wallNowMs;
    this.#idleTokensMs = Math.min(this.#limitMs, this.#idleTokensMs + elapsedMs * IDLE_CPU_SHARE);
    if (this.#calls.size === 0) {
      this.#idleTokensMs -= spentMs;
      return this.#idleTokensMs < 0 ? { kind: 'idle' } : undefined;
    }
    for (const [id, call] of this.#calls) {
      if (cpuNowMs - call.startMs > call.limitMs) return { kind: 'call', id };
    }
    return undefined;
  }
}

/** One interval timer that runs every registered check; it only runs while something is watched. */
export class Watchdog {
  readonly #checks = new Set<() => void>();
  #timer: NodeJS.Timeout | undefined;

  /** Registers a check; returns the function that unregisters it. */
  watch(check: () => void): () => void {
    this.#checks.add(check);
    this.#timer ??= setInterval(() => {
      this.#tick();
    }, WATCHDOG_INTERVAL_MS).unref();
    return () => {
      this.#checks.delete(check);
      if (this.#checks.size === 0 && this.#timer !== undefined) {
        clearInterval(this.#timer);
        this.#timer = undefined;
      }
    };
  }

  #tick(): void {
    // a check may unregister itself (dispose): iterate over a copy
    for (const check of [...this.#checks]) check();
  }
}
