/**
 * A command that moves a child into a session of its own (`setsid`) must not outlive the kill: under unshare the
 * PID namespace ends with its leader; without one the host follows descendants through /proc. Real processes,
 * checked with pgrep.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '@roku/test-support';
import { detectConfinement, wrapCommand } from '../../../src/capabilities/process/confinement.js';
import type { ConfinementKind } from '../../../src/capabilities/process/confinement.js';
import { runProcess } from '../../../src/capabilities/process/run-process.js';

const workspace = join(tempDir('kill-tree'), 'ws');
mkdirSync(workspace, { recursive: true });

/** Whether a process whose command line holds `marker` is still running. */
function running(marker: string): boolean {
  try {
    execFileSync('pgrep', ['-f', marker]);
    return true;
  } catch {
    return false;
  }
}

/** Waits until no process holds `marker` (the kernel reaps killed processes asynchronously), at most 3 s. */
async function goneSoon(marker: string): Promise<boolean> {
  for (let i = 0; i < 30; i += 1) {
    if (!running(marker)) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}

/** `sh -c` that setsid-forks a sleeper, says its pid, and then never ends; killed at the timeout. */
async function setsidUnder(kind: ConfinementKind, track: boolean, marker: string) {
  const wrapped = wrapCommand(kind, {
    program: '/bin/sh',
    args: ['-c', `setsid sleep ${marker} & echo $!; sleep ${marker}`],
    workspace,
    cwd: workspace,
    network: false,
    hidden: ['/root'],
    pathDirs: ['/usr/bin', '/bin'],
    home: '/tmp/home',
  });
  return runProcess({
    file: wrapped.file,
    args: wrapped.args,
    cwd: workspace,
    env: { PATH: '/usr/bin:/bin', HOME: '/tmp' },
    timeoutMs: 1500,
    maxOutputBytes: 4096,
    trackDescendants: track,
  });
}

const marker = (): string =>
  `${2000 + Math.floor(Math.random() * 1000)}.${Math.floor(Math.random() * 9000) + 1000}`;

describe('killing a command kills what it started, setsid or not', () => {
  it('without a PID namespace, finds the setsid child through /proc and kills it at the timeout', async () => {
    const m = marker();
    const outcome = await setsidUnder('none', true, m);
    expect(outcome.stopped).toBe('timeout');
    expect(outcome.stdout).toMatch(/^\d+\n$/);
    expect(await goneSoon(m)).toBe(true);
  });

  it('under unshare, ends the whole PID namespace with its leader at the timeout', async () => {
    const confinement = await detectConfinement();
    if (confinement.kind !== 'unshare' || !confinement.pidNamespace) return;
    const m = marker();
    const outcome = await setsidUnder('unshare', false, m);
    expect(outcome.stopped).toBe('timeout');
    expect(outcome.stdout).toMatch(/^\d+\n$/);
    expect(await goneSoon(m)).toBe(true);
  });

  it('lets the setsid child escape when neither is used (what the fallbacks are for)', async () => {
    const m = marker();
    const outcome = await setsidUnder('none', false, m);
    const pid = Number(outcome.stdout.trim());
    try {
      expect(running(m)).toBe(true);
    } finally {
      process.kill(pid, 'SIGKILL');
    }
  });
});
