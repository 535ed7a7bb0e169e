import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { detectConfinement } from '../../../src/capabilities/process/confinement.js';
import { createHarness } from '../helpers.js';
import type { Harness, HarnessOptions, Reply } from '../helpers.js';

let current: Harness | undefined;
afterEach(async () => {
  await current?.dispose();
  current = undefined;
});

const PROGRAMS = ['printenv', 'echo', 'sleep', 'yes', 'touch', 'pwd', 'cat', 'rm', 'bash', 'sh', 'curl'];

function harness(options: HarnessOptions = {}): Harness {
  current = createHarness({
    permissions: {
      filesystem: [{ root: 'workspace', access: 'read-write' }],
      capabilities: { processes: PROGRAMS, processDeny: ['git push'], processShell: true },
    },
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ROKU_TEST_SECRET: 'hunter2' },
    ...options,
  });
  mkdirSync(current.roots.workspace, { recursive: true });
  return current;
}

const run = (
  h: Harness,
  command: { argv?: string[]; shell?: string; cwd?: string; timeoutMs?: number; maxOutputBytes?: number },
): Promise<Reply> =>
  h.request('process.run', {
    argv: command.argv ?? null,
    shell: command.shell ?? null,
    cwd: command.cwd ?? '',
    timeoutMs: command.timeoutMs ?? 10_000,
    maxOutputBytes: command.maxOutputBytes ?? 65_536,
  });

function value(reply: Reply): Record<string, unknown> {
  if (!reply.ok) throw new Error(`${reply.error.code}: ${reply.error.message}`);
  return reply.value ?? {};
}

function refusal(reply: Reply): { code: string; message: string } {
  if (reply.ok) throw new Error('expected a refusal');
  return reply.error;
}

describe('process.run', () => {
  it('runs an allowed program in the workspace with a minimal environment', async () => {
    const h = harness();
    mkdirSync(join(h.roots.workspace, 'sub'));
    const env = value(await run(h, { argv: ['printenv'], cwd: 'sub' }));
    expect(env.exitCode).toBe(0);
    expect(env.stdout).toContain('LANG=C.UTF-8');
    expect(env.stdout).toContain('PATH=');
    expect(env.stdout).not.toContain('hunter2');
    const pwd = value(await run(h, { argv: ['pwd'], cwd: 'sub' }));
    expect(String(pwd.stdout).trim()).toMatch(/\/workspace\/sub$/);
    const failing = value(await run(h, { argv: ['cat', 'missing.txt'] }));
    expect(failing.exitCode).not.toBe(0);
    expect(failing.stderr).toContain('missing.txt');
  });

  it('refuses programs off the allowlist, paths, and shells unless the user grants shell lines', async () => {
    const h = harness();
    expect(refusal(await run(h, { argv: ['python3', '-c', '1'] }))).toMatchObject({
      code: 'ROKU_CAPABILITY_DENIED',
      message: expect.stringContaining('program "python3" is not allowed') as unknown,
    });
    expect(refusal(await run(h, { argv: ['/bin/echo', 'x'] })).message).toContain('not a path');
    expect(refusal(await run(h, { argv: ['bash', '-c', 'echo hi'] })).message).toContain(
      'runs other commands',
    );
    expect(refusal(await run(h, { shell: 'echo hi | cat' })).message).toContain(
      'shell command lines are not granted',
    );
  });

  it('refuses commands on the host deny list and the manifest deny list, whatever is granted', async () => {
    const h = harness({ grants: { process: { shell: true } } });
    expect(refusal(await run(h, { argv: ['rm', '-rf', '/'] })).message).toContain("host's deny list");
    expect(refusal(await run(h, { shell: 'echo ok;  rm  -fr ~' })).message).toContain("host's deny list");
    expect(refusal(await run(h, { shell: ':(){ :|:& };:' })).message).toContain('fork bomb');
    expect(refusal(await run(h, { argv: ['echo', 'git', 'push'] })).message).toContain(
      '"git push", which is denied',
    );
    const piped = value(await run(h, { shell: 'echo hello | cat' }));
    expect(piped.stdout).toBe('hello\n');
  });

  it('keeps the working folder inside the workspace, symbolic links included', async () => {
    const h = harness();
    expect(refusal(await run(h, { argv: ['pwd'], cwd: '../' })).message).toContain('outside the workspace');
    expect(refusal(await run(h, { argv: ['pwd'], cwd: '/etc' })).message).toContain('outside the workspace');
    symlinkSync(h.dir, join(h.roots.workspace, 'out'));
    expect(refusal(await run(h, { argv: ['pwd'], cwd: 'out' })).message).toContain(
      'leads out of the workspace',
    );
    expect(
      refusal(await run(h, { argv: ['echo'] }).then(() => run(h, { argv: ['pwd'], cwd: 'nope' }))).code,
    ).toBe('ROKU_CAPABILITY_FAILED');
  });

  it('kills a process that never ends, with everything it started, at the timeout', async () => {
    const h = harness({ grants: { process: { shell: true } } });
    const marker = `${1000 + Math.floor(Math.random() * 1000)}.4242`;
    const reply = value(
      await run(h, { shell: `sleep ${marker} & sleep ${marker}; echo never`, timeoutMs: 500 }),
    );
    expect(reply).toMatchObject({ stopped: 'timeout', exitCode: null });
    expect(reply.stdout).toBe('');
    // pgrep exits 1 when nothing matches: no sleep of the group survived.
    expect(() => execFileSync('pgrep', ['-f', `sleep ${marker}`])).toThrow();
  });

  it('stops a process that floods its output at the cap and keeps what fits', async () => {
    const h = harness();
    const reply = value(await run(h, { argv: ['yes', 'spam'], maxOutputBytes: 1000 }));
    expect(reply).toMatchObject({ stopped: 'output', truncated: true });
    expect(String(reply.stdout)).toHaveLength(1000);
  });

  it('runs at most 4 processes of a plugin at once and refuses a fifth', async () => {
    const h = harness();
    const replies = await Promise.all(
      Array.from({ length: 5 }, () => run(h, { argv: ['sleep', '0.5'], timeoutMs: 5000 })),
    );
    expect(replies.filter((r) => r.ok)).toHaveLength(4);
    expect(replies.filter((r) => !r.ok).map((r) => refusal(r).code)).toEqual([
      'ROKU_CAPABILITY_RATE_LIMITED',
    ]);
  });

  it('refuses a plugin without a read-write grant on the whole workspace', async () => {
    const h = harness({ permissions: { capabilities: { processes: ['echo'] } } });
    expect(refusal(await run(h, { argv: ['echo', 'x'] })).message).toContain('permissions.filesystem');
  });

  it('confines processes where the machine can: no writes outside the workspace, no network', async () => {
    const confinement = await detectConfinement();
    const h = harness();
    const outside = join(h.dir, 'outside.txt');
    const touched = value(await run(h, { argv: ['touch', outside, 'inside.txt'] }));
    expect(touched.confinement).toBe(confinement.kind);
    expect(existsSync(join(h.roots.workspace, 'inside.txt'))).toBe(true);
    if (confinement.kind === 'bwrap') expect(existsSync(outside)).toBe(false);
    writeFileSync(join(h.roots.workspace, 'x.txt'), 'x');
    if (confinement.kind !== 'none') {
      const fetched = value(await run(h, { argv: ['curl', '-sS', '--max-time', '3', 'http://1.1.1.1/'] }));
      expect(fetched.exitCode).not.toBe(0);
    }
    expect(readFileSync(join(h.roots.workspace, 'x.txt'), 'utf8')).toBe('x');
  });
});
