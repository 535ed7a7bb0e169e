/**
 * The CPU clock the runner charges an isolate by. isolated-vm's `cpuTime` is not a CPU clock everywhere: its
 * linux prebuild counts the time an isolate is entered, runnable or not (see engine-probe.ts), so on a crowded
 * machine a plugin that used 250 ms of CPU read 1,000 ms and was killed at its CPU limit. A source build reads
 * the thread's CPU time but may step backwards by a little when a running stretch ends.
 *
 * So the charged clock is reconciled on every watchdog tick (and on a read after a long stretch): what the isolate's `cpuTime` gained since the last
 * tick counts at most what the whole runner process used on the CPU meanwhile (no isolate can use more than its
 * process), and the value handed out never goes back. Between ticks the raw gain counts as it is, so a busy
 * machine can only delay the correction by one tick, never undercharge a plugin: the isolate's real CPU time is
 * part of both readings.
 */

import type ivm from 'isolated-vm';
import type { CpuWindow } from './isolate-cpu-window.js';

/** The runner process's CPU time (all threads, user and system), in nanoseconds. */
export function processCpuNs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) * 1000;
}

/** A raw gain between ticks above this is reconciled when read (a tick is 10 ms; reading costs ~1.3 µs). */
const RECONCILE_ON_READ_NS = 25_000_000n;

export class IsolateCpuClock {
  /** Raw `cpuTime` and process CPU at the last reconciliation. */
  #rawAtTick: bigint;
  #processAtTick: number;
  /** Charged CPU at the last reconciliation. */
  #chargedAtTick: bigint;
  /** The highest value handed out. */
  #highWater: bigint;

  constructor(rawNs: bigint, processNs: number) {
    this.#rawAtTick = rawNs;
    this.#processAtTick = processNs;
    this.#chargedAtTick = 0n;
    this.#highWater = 0n;
  }

  /**
   * The charged CPU time now, from a fresh raw reading: the last tick's value plus the raw gain since. A gain
   * longer than a few ticks means the runner's thread was held (a long synchronous call, or the whole process
   * descheduled): that one is reconciled at once, so the pause is not charged before the next tick can look.
   */
  read(rawNs: bigint): bigint {
    const gain = rawNs > this.#rawAtTick ? rawNs - this.#rawAtTick : 0n;
    if (gain > RECONCILE_ON_READ_NS) return this.reconcile(rawNs, processCpuNs());
    const now = this.#chargedAtTick + gain;
    if (now > this.#highWater) this.#highWater = now;
    return this.#highWater;
  }

  /** Reconciles on a watchdog tick: the raw gain since the last tick counts at most the process's CPU gain. */
  reconcile(rawNs: bigint, processNs: number): bigint {
    const rawGain = rawNs > this.#rawAtTick ? rawNs - this.#rawAtTick : 0n;
    const processGain = BigInt(Math.max(0, Math.round(processNs - this.#processAtTick)));
    this.#chargedAtTick += rawGain < processGain ? rawGain : processGain;
    // a raw clock that stepped back is not followed down (the next gain is measured from the higher mark)
    if (rawNs > this.#rawAtTick) this.#rawAtTick = rawNs;
    this.#processAtTick = processNs;
    if (this.#chargedAtTick > this.#highWater) this.#highWater = this.#chargedAtTick;
    return this.#highWater;
  }
}

/** An isolate's charged CPU time (IsolateCpuClock), and what of it the plugin's per-minute window has been charged. */
export class IsolateCpuMeter {
  readonly #isolate: ivm.Isolate;
  readonly #clock: IsolateCpuClock;
  readonly #window: CpuWindow;
  #lastNs = 0n;
  #chargedNs = 0n;

  constructor(isolate: ivm.Isolate, window: CpuWindow) {
    this.#isolate = isolate;
    this.#window = window;
    this.#clock = new IsolateCpuClock(isolate.cpuTime, processCpuNs());
  }

  /** The value last read. */
  get lastNs(): bigint {
    return this.#lastNs;
  }

  /** Charged CPU time now; after disposal (when V8 refuses to tell) the value last read. */
  readNs(): bigint {
    try {
      this.#lastNs = this.#clock.read(this.#isolate.cpuTime);
    } catch {
      // disposed: keep the last sample
    }
    return this.#lastNs;
  }

  /** Reconciles on a watchdog tick (see IsolateCpuClock); false when the isolate is gone. */
  reconcile(processNs: number): boolean {
    try {
      this.#lastNs = this.#clock.reconcile(this.#isolate.cpuTime, processNs);
      return true;
    } catch {
      return false;
    }
  }

  /** Charges the window with the CPU time used up to `cpuNs` (calls, realm preparation, background). */
  chargeWindow(cpuNs: bigint, now: number): void {
    if (cpuNs <= this.#chargedNs) return;
    this.#window.charge(now, Number(cpuNs - this.#chargedNs) / 1e6);
    this.#chargedNs = cpuNs;
  }
}
