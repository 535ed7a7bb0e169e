import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const repo = fileURLToPath(new URL('../../', import.meta.url));
const bin = join(repo, 'cli/dist/bin.js');
const home = mkdtempSync(join(tmpdir(), 'roku-json-failure-'));

function roku(args: string[], input?: string) {
  return spawnSync(process.execPath, [bin, ...args], {
    cwd: repo,
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '', ROKU_HOME: home },
    ...(input === undefined ? {} : { input }),
  });
}

/** The one JSON line a failing `--json` command prints, checked to be exactly `{ ok, error }`. */
function failure(result: ReturnType<typeof roku>): { code: string; message: string; details?: unknown } {
  const lines = result.stdout.split('\n').filter((l) => l !== '');
  expect(lines).toHaveLength(1);
  const value = JSON.parse(lines[0] ?? '') as { ok: unknown; error: { code: string; message: string } };
  expect(Object.keys(value).sort()).toEqual(['error', 'ok']);
  expect(value.ok).toBe(false);
  expect(Object.keys(value.error).filter((k) => !['code', 'message', 'details'].includes(k))).toEqual([]);
  return value.error;
}

beforeAll(() => {
  if (!existsSync(bin)) execFileSync('pnpm', ['--filter', '@roku/cli...', 'run', 'build'], { cwd: repo });
});
afterAll(() => {
  rmSync(home, { recursive: true, force: true });
});

describe('--json failures', () => {
  it('print { ok: false, error } on stdout for an unknown session, with its details, and exit 1', () => {
    const result = roku(['session', 'show', 'no-such-session', '--json']);
    expect(result.status).toBe(1);
    expect(result.stderr).toBe('');
    expect(failure(result)).toMatchObject({
      code: 'ROKU_SESSION_NOT_FOUND',
      message: expect.stringContaining('no-such-session') as string,
      details: { sessionId: 'no-such-session' },
    });
  });

  it('have the same shape for plugin management, authoring and run commands', () => {
    const cases: [string[], string][] = [
      [['plugin', 'enable', '@nope/missing', '--json'], 'ROKU_INSTALL_NOT_INSTALLED'],
      [['plugin', 'pack', 'no/such/folder', '--json'], 'ROKU_CLI_NOT_FOUND'],
      [['plugin', 'build', 'no/such/folder', '--json'], 'ROKU_CLI_NOT_FOUND'],
      [['run', 'hello', '--json', '--config', join(home, 'missing.json')], 'ROKU_CONFIG_NOT_FOUND'],
      [['approval', 'approve', 'no-such-ticket', '--json'], 'ROKU_APPROVAL_NOT_FOUND'],
    ];
    for (const [args, code] of cases) {
      const result = roku(args);
      expect(result.status, args.join(' ')).toBe(1);
      expect(failure(result).code, args.join(' ')).toBe(code);
    }
  });

  it('report usage errors as ROKU_CLI_USAGE with exit 2', () => {
    const result = roku(['run', 'hello', '--json', '--no-such-flag']);
    expect(result.status).toBe(2);
    expect(failure(result)).toMatchObject({
      code: 'ROKU_CLI_USAGE',
      message: "unknown option '--no-such-flag' for 'roku run'",
      details: { help: 'roku run --help' },
    });
  });

  it('leave stdout empty without --json: the error goes to stderr with its code', () => {
    const result = roku(['session', 'show', 'no-such-session']);
    expect(result.status).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(
      /^roku: session "no-such-session" not found.*\[ROKU_SESSION_NOT_FOUND\]\n$/,
    );
  });

  it('keep the pipe contract of chat --pipe --json: a result line whose data carries ok and error', () => {
    const result = roku(['chat', '--pipe', '--json'], '   \n');
    expect(result.status).toBe(2);
    const lines = result.stdout.split('\n').filter((l) => l !== '');
    expect(lines).toHaveLength(1);
    const line = JSON.parse(lines[0] ?? '') as {
      type: string;
      data: { ok: boolean; error: { code: string } };
    };
    expect(line.type).toBe('result');
    expect(line.data).toMatchObject({ ok: false, status: 'failed', error: { code: 'ROKU_CLI_USAGE' } });
  });
});
