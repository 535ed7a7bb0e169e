/**
 * CPU limits count the CPU a plugin used, not time its thread waited: the runner is stopped (SIGSTOP, as a
 * loaded machine deschedules it) for a second while a plugin spins, and its CPU budget per minute is not
 * charged that second. isolated-vm's linux prebuild counts that second (a wall clock); the runner caps what
 * an isolate is charged by what its process used (isolate-clock.ts), so this holds with either build.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { probeIsolateCpuClock } from '../../src/sandbox/engine-probe.js';
import { createHarness } from '../security/helpers.js';
import type { Harness } from '../security/helpers.js';

const PAUSE_MS = 1000;
/** A plugin body that spins until it notices a gap in time (the pause), so the pause surely fell inside its call. */
const SPIN_UNTIL_PAUSED = `const start = Date.now(); let last = start;
  for (;;) {
    const now = Date.now();
    if (now - last >= ${String(PAUSE_MS / 2)}) return 'paused';
    if (now - start > 3000) return 'not paused';
    last = now;
  }`;

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(async () => {
  await h.close();
});

/** Parent pid and CPU time (ms) of a process, from /proc/<pid>/stat (the name may hold spaces). */
function procStat(pid: number): { ppid: number; cpuMs: number } | undefined {
  try {
    const stat = readFileSync(`/proc/${String(pid)}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    return { ppid: Number(fields[1]), cpuMs: ticks * 10 };
  } catch {
    return undefined;
  }
}

/** The isolate runners this test process started. */
function isolateRunners(): number[] {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .map(Number)
    .filter((pid) => {
      if (procStat(pid)?.ppid !== process.pid) return false;
      const cmdline = readFileSync(`/proc/${String(pid)}/cmdline`, 'utf8');
      return cmdline.includes('runner/main.js') && cmdline.includes('isolate');
    });
}

async function waitFor(what: string, test: () => boolean): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!test()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/**
 * Starts `call` and stops the plugin's runner for PAUSE_MS once it spins (its CPU grew 50 ms: the call is under
 * way), as a loaded machine deschedules it; returns the call (wrapped: an async function would await it).
 */
async function pausedMidSpin<T>(
  runner: number,
  call: () => Promise<T>,
): Promise<{ readonly call: Promise<T> }> {
  const before = procStat(runner)?.cpuMs ?? 0;
  const spinning = call();
  spinning.catch(() => undefined);
  try {
    await waitFor('the plugin spins', () => (procStat(runner)?.cpuMs ?? 0) - before >= 50);
    process.kill(runner, 'SIGSTOP');
    await new Promise((resolve) => setTimeout(resolve, PAUSE_MS));
  } finally {
    process.kill(runner, 'SIGCONT');
  }
  return { call: spinning };
}

// isolated-vm built from source (pnpm build:isolated-vm) reads the thread's CPU clock
const sourceBuild = (await probeIsolateCpuClock()).binary === 'build/Release/isolated_vm.node';

describe('isolate CPU time', () => {
  it.runIf(sourceBuild)('is the thread CPU time of isolated-vm built from source', async () => {
    const probe = await probeIsolateCpuClock();
    expect(probe, probe.detail).toMatchObject({ clock: 'thread', binary: 'build/Release/isolated_vm.node' });
  });

  it.runIf(process.platform === 'linux')(
    'does not charge a plugin the time its runner was descheduled',
    async () => {
      const sandbox = await h.load('descheduled', {
        body: `if (input.quick) return 'quick'; ${SPIN_UNTIL_PAUSED}`,
        limits: { cpuMsPerCall: 5000, cpuMsPerMinute: 600 },
      });
      const runners = isolateRunners();
      expect(runners).toHaveLength(1);
      const { call: spinning } = await pausedMidSpin(runners[0] ?? 0, () => sandbox.call('tool:t', {}));
      await expect(spinning).resolves.toBe('paused');
      // a wall clock would have charged the pause (> 600 ms): this call would be refused as rate limited
      await expect(sandbox.call('tool:t', { quick: true })).resolves.toBe('quick');
    },
    30_000,
  );

  it.runIf(process.platform === 'linux')(
    'does not stop a call at its CPU limit for the time its runner was descheduled',
    async () => {
      // after the await, the spin runs where the watchdog (not isolated-vm's wall timer) polices it
      const sandbox = await h.load('descheduled-call', {
        body: `await cap('log', { level: 'info', message: 'spinning' }); ${SPIN_UNTIL_PAUSED}`,
        limits: { cpuMsPerCall: 700 },
      });
      const { call: spinning } = await pausedMidSpin(isolateRunners()[0] ?? 0, () =>
        sandbox.call('tool:t', {}),
      );
      // charged the pause, the call would have ended in ROKU_SANDBOX_TIMEOUT at 700 ms
      await expect(spinning).resolves.toBe('paused');
    },
    30_000,
  );

  it.runIf(process.platform === 'linux')(
    'still reports a synchronous run stopped by the wall timer behind the CPU limit as a timeout',
    async () => {
      // isolated-vm's own timer (a wall clock) stops the synchronous part; most of that time was the pause
      const sandbox = await h.load('descheduled-sync', {
        body: `const start = Date.now(); for (;;) { if (Date.now() - start > 10_000) return 'spun'; }`,
        limits: { cpuMsPerCall: 700 },
      });
      const { call: spinning } = await pausedMidSpin(isolateRunners()[0] ?? 0, () =>
        sandbox.call('tool:t', {}),
      );
      await expect(spinning).rejects.toMatchObject({ code: 'ROKU_SANDBOX_TIMEOUT' });
    },
    30_000,
  );
});
