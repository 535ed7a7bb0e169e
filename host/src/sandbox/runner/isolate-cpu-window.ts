/**
 * CPU budget per time window (`limits.cpuMsPerMinute`): what a plugin's sandbox used on the CPU in the last
 * 60 s — calls, the fresh realms prepared for them, timers and other background work — measured from the
 * isolate's own CPU clock at call boundaries. A call that starts while the window is spent is refused with
 * ROKU_CAPABILITY_RATE_LIMITED, saying when enough has refilled; a call already running is bounded by
 * cpuMsPerCall, so the window can be exceeded by at most the calls in flight.
 */
import type { RunnerLimits, WireError } from '../protocol.js';

export const CPU_WINDOW_MS = 60_000;

/** The window's limit, when the host sent a usable one. */
export function cpuMsPerMinuteOf(limits: RunnerLimits): number | undefined {
  const value = limits.cpuMsPerMinute;
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : undefined;
}

/** Samples closer together than this share one bucket, so a busy plugin keeps at most ~60 of them. */
const BUCKET_MS = 1_000;

/**
 * Sliding window of CPU samples; usage is shared by every loaded version of one plugin in the runner. Samples
 * of one second are summed into a bucket that leaves the window with its latest sample (never early), so the
 * per-call cost stays constant however many calls the minute held.
 */
export class CpuWindow {
  /** Oldest first; `at` is the time of the bucket's latest sample, `start` of its first. */
  readonly #samples: { start: number; at: number; ms: number }[] = [];
  #sum = 0;

  /** Adds CPU time used at wall time `at` (ms). */
  charge(at: number, ms: number): void {
    if (!(ms > 0)) return;
    this.#sum += ms;
    const last = this.#samples.at(-1);
    if (last !== undefined && at - last.start < BUCKET_MS && at >= last.at) {
      last.at = at;
      last.ms += ms;
      return;
    }
    this.#samples.push({ start: at, at, ms });
  }

  /** CPU time used in the window ending at `now`. */
  used(now: number): number {
    this.#expire(now);
    return this.#samples.length === 0 ? 0 : this.#sum;
  }

  /**
   * Undefined while `limitMs` is not spent; else the refusal, with the wait until usage drops below the
   * limit (the oldest samples leave the window first).
   */
  refusal(pluginKey: string, limitMs: number, now: number): WireError | undefined {
    let used = this.used(now);
    if (used < limitMs) return undefined;
    let retryAfterMs = CPU_WINDOW_MS;
    for (const s of this.#samples) {
      used -= s.ms;
      if (used < limitMs) {
        retryAfterMs = Math.max(1, Math.ceil(s.at + CPU_WINDOW_MS - now));
        break;
      }
    }
    const usedMs = Math.round(this.used(now));
    return {
      code: 'ROKU_CAPABILITY_RATE_LIMITED',
      message:
        `${pluginKey} used ${usedMs} ms of CPU in the last minute; limits.cpuMsPerMinute is ${limitMs}: ` +
        `calls are refused until the window refills in ${retryAfterMs} ms`,
      details: { limit: 'cpuMsPerMinute', max: limitMs, usedMs, retryAfterMs },
    };
  }

  #expire(now: number): void {
    for (;;) {
      const oldest = this.#samples[0];
      if (oldest === undefined || oldest.at > now - CPU_WINDOW_MS) break;
      this.#samples.shift();
      this.#sum -= oldest.ms;
    }
    // float drift must not leave a ghost of usage in an empty window
    if (this.#samples.length === 0) this.#sum = 0;
  }
}

/** The plugin id of a pluginKey (`<id>@<version>#<n>`; ids may start with a scope `@`). */
export function pluginIdOf(pluginKey: string): string {
  const at = pluginKey.lastIndexOf('@');
  return at > 0 ? pluginKey.slice(0, at) : pluginKey;
}
