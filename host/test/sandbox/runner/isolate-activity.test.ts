/**
 * When the runner may enter a plugin's isolate on its own thread (the fast path). The rule that sends a plugin
 * off it after a heavy synchronous part judges the CPU the part used, not the wall time: on a busy machine the
 * runner's thread is preempted inside cheap entries, and judging those by the clock sent plugins down the slower
 * path because of the load itself.
 */
import { describe, expect, it } from 'vitest';
import { IsolateActivity, threadCpuMs } from '../../../src/sandbox/runner/isolate-invoke.js';

/** Calls a plugin completes before it may take the fast path. */
const PROBATION_CALLS = 4;

function proven(cpuMs?: () => number): IsolateActivity {
  const activity = new IsolateActivity(false, cpuMs);
  for (let i = 0; i < PROBATION_CALLS; i++) activity.ended(true);
  return activity;
}

/** A CPU clock the test moves by hand. */
function fakeCpu(): { now: number; read: () => number } {
  const clock = { now: 0, read: () => clock.now };
  return clock;
}

const waitCell = new Int32Array(new SharedArrayBuffer(4));
/** Blocks the thread for `ms` without using the CPU (what a preempted thread looks like from inside). */
function sleepBlocking(ms: number): void {
  Atomics.wait(waitCell, 0, 0, ms);
}

describe('IsolateActivity: the fast path', () => {
  it('is earned by calls that end well and lost by a failed one', () => {
    const activity = new IsolateActivity();
    for (let i = 0; i < PROBATION_CALLS - 1; i++) activity.ended(true);
    expect(activity.takeFastPath()).toBe(false);
    activity.ended(true);
    expect(activity.takeFastPath()).toBe(true);
    activity.ended(false);
    expect(activity.takeFastPath()).toBe(false);
  });

  it('keeps a plugin whose synchronous part took long but used little CPU', () => {
    const cpu = fakeCpu();
    const activity = proven(cpu.read);
    activity.runSync(() => {
      sleepBlocking(30);
      cpu.now += 0.2;
    });
    expect(activity.takeFastPath()).toBe(true);
  });

  it('sends a plugin whose synchronous part used much CPU down the asynchronous path for a while', () => {
    const cpu = fakeCpu();
    const activity = proven(cpu.read);
    activity.runSync(() => {
      cpu.now += 5;
    });
    const paths = Array.from({ length: 20 }, () => activity.takeFastPath());
    expect(paths.slice(0, 16)).toEqual(Array.from({ length: 16 }, () => false));
    expect(paths.slice(16)).toEqual([true, true, true, true]);
  });

  it("judges by this thread's CPU clock by default", () => {
    const activity = proven();
    activity.runSync(() => {
      const start = threadCpuMs();
      while (threadCpuMs() - start < 5);
    });
    expect(activity.takeFastPath()).toBe(false);
  });

  it('is closed while the runner is inside the isolate or work runs off its thread', async () => {
    const activity = proven(fakeCpu().read);
    activity.runSync(() => {
      expect(activity.takeFastPath()).toBe(false);
      expect(activity.maySyncEnter()).toBe(false);
    });
    let settle!: () => void;
    const tracked = activity.track(new Promise<void>((resolve) => (settle = resolve)));
    expect(activity.maySyncEnter()).toBe(false);
    settle();
    await tracked;
    expect(activity.maySyncEnter()).toBe(true);
  });
});
