/**
 * CPU policing for sandboxes. isolated-vm's `timeout` only covers the synchronous part of an entry call; code
 * that runs after awaiting a host promise (a capability reply, a timer) is untimed. So the runner polls each
 * isolate's `cpuTime` and disposes the isolate when a call, or background work, exceeds its budget.
 */
import { processCpuNs } from './isolate-clock.js';

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
 * Per-plugin CPU accounting. The isolate runs one thing at a time, so the CPU it used between two readings is
 * shared out among the calls (and realm preparations) in flight then: a call alone is charged all of it, and
 * calls that merely wait beside a busy one are not charged N times over (100 sessions at once used to kill a
 * realm preparation that needed a few ms at its 1 s limit). A spinning call among waiting ones is charged its
 * share, so it is stopped later by this check; its wall deadline and the per-minute CPU window still hold it.
 */
export class CpuBudget {
  readonly #limitMs: number;
  /** Call id -> CPU charged to it so far and its own limit. */
  readonly #calls = new Map<number, { usedMs: number; readonly limitMs: number }>();
  #idleTokensMs: number;
  #nextWorkSlot = -2;
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
    // what was used before this call started belongs to the others (or to idle work)
    this.#account(cpuNowMs);
    this.#calls.set(id, { usedMs: 0, limitMs });
  }

  endCall(id: number): void {
    this.#calls.delete(id);
  }

  /**
   * Charges work that is no call's (a realm preparation, a collection) to a slot of its own, with `limitMs`;
   * returns what ends it. Slots count down from -2 (the load is -1).
   */
  startWork(cpuNowMs: number, limitMs: number): () => void {
    const slot = this.#nextWorkSlot--;
    this.startCall(slot, cpuNowMs, limitMs);
    return () => {
      this.endCall(slot);
    };
  }

  check(cpuNowMs: number, wallNowMs: number): CpuVerdict {
    const elapsedMs = wallNowMs - this.#lastWallMs;
    this.#lastWallMs = wallNowMs;
    this.#idleTokensMs = Math.min(this.#limitMs, this.#idleTokensMs + elapsedMs * IDLE_CPU_SHARE);
    this.#account(cpuNowMs);
    if (this.#calls.size === 0) return this.#idleTokensMs < 0 ? { kind: 'idle' } : undefined;
    for (const [id, call] of this.#calls) {
      if (call.usedMs > call.limitMs) return { kind: 'call', id };
    }
    return undefined;
  }

  /** Shares the CPU used since the last reading among the calls in flight, or takes it from the idle budget. */
  #account(cpuNowMs: number): void {
    const spentMs = cpuNowMs - this.#lastCpuMs;
    if (spentMs <= 0) return;
    this.#lastCpuMs = cpuNowMs;
    if (this.#calls.size === 0) {
      this.#idleTokensMs -= spentMs;
      return;
    }
    const share = spentMs / this.#calls.size;
    for (const call of this.#calls.values()) call.usedMs += share;
  }
}

/** A watchdog check; it gets the runner process's CPU time read once for the tick (see isolate-clock.ts). */
export type WatchdogCheck = (processCpuNs: number) => void;

/** One interval timer that runs every registered check; it only runs while something is watched. */
export class Watchdog {
  readonly #checks = new Set<WatchdogCheck>();
  #timer: NodeJS.Timeout | undefined;

  /** Registers a check; returns the function that unregisters it. */
  watch(check: WatchdogCheck): () => void {
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
    const cpuNs = processCpuNs();
    // a check may unregister itself (dispose): iterate over a copy
    for (const check of [...this.#checks]) check(cpuNs);
  }
}
