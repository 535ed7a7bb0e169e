import { spawnSync } from 'node:child_process';
import { mkdirSync, statfsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cleanUpAfterUse, tempDir } from '@roku/test-support';
import { DEV_PLUGINS, agentConfig, bin, lines } from './agent/helpers.js';

interface Result {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

function roku(args: string[], home: string, cwd = tempDir('home-cwd')): Result {
  const r = spawnSync(process.execPath, [bin, ...args], {
    cwd,
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '', ROKU_HOME: home },
    // A hang (as under /proc before) fails the test instead of stalling it.
    timeout: 30_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A small tmpfs of `size` mounted at a fresh folder, unmounted after the test; undefined when not allowed. */
function smallDisk(size: string): string | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const dir = join(tempDir('disk'), 'mnt');
  mkdirSync(dir);
  if (spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir]).status !== 0) return undefined;
  cleanUpAfterUse(async () => {
    spawnSync('umount', ['-l', dir]);
    await Promise.resolve();
  });
  return dir;
}

/** Fills the disk holding `dir` with one file, leaving `leaveKb` free. */
function fill(dir: string, leaveKb: number): void {
  const { bavail, bsize } = statfsSync(dir);
  const bytes = Math.max(0, bavail * bsize - leaveKb * 1024);
  writeFileSync(join(dir, 'filler'), Buffer.alloc(bytes));
}

const canMount = (() => {
  if (process.getuid?.() !== 0) return false;
  const probe = tempDir('mount-probe');
  const ok = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', probe]).status === 0;
  if (ok) spawnSync('umount', [probe]);
  return ok;
})();

function expectUnusable(r: Result, home: string, problem: RegExp): void {
  expect(r.code, r.stderr).toBe(1);
  const err = lines(r.stderr);
  expect(err, r.stderr).toHaveLength(1);
  expect(err[0]).toMatch(/^roku: ROKU_HOME /);
  expect(err[0]).toContain(home);
  expect(err[0]).toMatch(problem);
  expect(err[0]).toMatch(/; set ROKU_HOME to a folder you can write, e\.g\. .* \[ROKU_HOME_UNUSABLE\]$/);
}

describe('an unusable ROKU_HOME', () => {
  it('under /proc: every command that needs it fails at once, naming the folder and the fix', () => {
    const home = '/proc/roku-test-home';
    for (const args of [
      ['session', 'list'],
      ['approval', 'list'],
      ['trace', 'run-x'],
      ['run', 'hello'],
      ['plugin', 'list'],
      ['registry', 'keys'],
    ]) {
      expectUnusable(roku(args, home), home, /cannot create the folder \/proc\/roku-test-home \(ENOENT/);
    }
  });

  it('under /proc with --json: the one failure object on stdout', () => {
    const r = roku(['session', 'list', '--json'], '/proc/roku-test-home');
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout)).toMatchObject({
      ok: false,
      error: { code: 'ROKU_HOME_UNUSABLE', details: { home: '/proc/roku-test-home' } },
    });
  });

  it('a file as ROKU_HOME, or a file in its path: plugin install and session list say so', () => {
    const file = join(tempDir('home-file'), 'not-a-folder');
    writeFileSync(file, '');
    expectUnusable(
      roku(['plugin', 'install', '@roku/example-tool-echo', '--yes'], file),
      file,
      /: it is a file, not a folder;/,
    );
    expectUnusable(
      roku(['session', 'list'], join(file, 'sub')),
      join(file, 'sub'),
      /: .*not-a-folder is a file, not a folder;/,
    );
  });

  it('doctor reports it as its data dir check with the fix and skips what depends on it', () => {
    const r = roku(['doctor', '--json'], '/proc/roku-test-home');
    expect(r.code).toBe(1);
    const checks = (
      JSON.parse(r.stdout) as { checks: { name: string; ok: boolean; detail: string; fix?: string }[] }
    ).checks;
    expect(checks.find((c) => c.name === 'data dir')).toMatchObject({
      ok: false,
      detail: expect.stringContaining('cannot create the folder /proc/roku-test-home') as unknown,
      fix: expect.stringContaining('set ROKU_HOME to a folder you can write') as unknown,
    });
    expect(checks.find((c) => c.name === 'sqlite')?.detail).toContain('skipped');
    expect(checks.find((c) => c.name === 'isolate engine')?.ok).toBe(true);
  });
});

describe.skipIf(!canMount)('a full disk (a small tmpfs; needs root)', () => {
  it('already full at start: one line saying so, with the fix', () => {
    const disk = smallDisk('1m');
    if (disk === undefined) return;
    const home = join(disk, 'home');
    mkdirSync(home);
    fill(disk, 0);
    const r = roku(['run', 'hello'], home);
    expect(r.code).toBe(1);
    expect(lines(r.stderr)).toEqual([
      `roku: ROKU_HOME ${home}: cannot write in it (no space left on the disk holding it); free some space on that disk, or set ROKU_HOME to a folder on another one [ROKU_HOME_UNUSABLE]`,
    ]);
  });

  it('filling up during a run: one clear error, not a line per failed write', () => {
    const disk = smallDisk('4m');
    if (disk === undefined) return;
    const home = join(disk, 'home');
    mkdirSync(home);
    writeFileSync(
      join(home, 'config.json'),
      JSON.stringify(
        agentConfig({
          devDirs: [DEV_PLUGINS.scripted],
          settings: {
            '@roku/plugin-provider-scripted': {
              chunkChars: 64,
              // more than the space left: text deltas are written in groups, so the answer itself must not fit
              script: [{ match: '^long', text: 'x'.repeat(150_000) }],
            },
          },
        }),
      ),
    );
    // A first run creates the store; then the disk is left almost full, and a long streamed answer fills it.
    expect(roku(['run', 'hello'], home).code).toBe(0);
    fill(disk, 100);
    const r = roku(['run', 'long answer please'], home);
    expect(r.code).toBe(1);
    const err = lines(r.stderr);
    expect(err.at(-1)).toMatch(
      new RegExp(
        `^roku: ROKU_HOME ${home}: no space left on the disk holding it \\(.*\\); free some space on that disk, or set ROKU_HOME to a folder on another one \\[ROKU_HOME_UNUSABLE\\]$`,
      ),
    );
    // Hundreds of event writes failed; none of them is a line of its own.
    expect(err.filter((l) => /full|no space/i.test(l))).toHaveLength(1);
    expect(err.length).toBeLessThanOrEqual(3);
    expect(r.stderr).not.toMatch(/^\{/m);
  });
});
