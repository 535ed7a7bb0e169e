import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { main } from '../src/index.js';
import type { CliIo } from '../src/index.js';

const repo = fileURLToPath(new URL('../../', import.meta.url));
const fixtures = 'schemas/test/fixtures/manifest';

async function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const io: CliIo = {
    stdout: (t) => (stdout += t),
    stderr: (t) => (stderr += t),
    env: { ROKU_HOME: '/nonexistent-roku-home' },
    cwd: repo,
  };
  const code = await main(args, io);
  return { code, stdout, stderr };
}

interface Report {
  target: string;
  ok: boolean;
  issues: { code: string; path: string }[];
}

describe('roku plugin validate', () => {
  it('rejects every broken manifest of the fixture set with its code and path, and exits 1', async () => {
    const expected = JSON.parse(readFileSync(`${repo}${fixtures}/expected.json`, 'utf8')) as Record<
      string,
      [string, string]
    >;
    const names = Object.keys(expected);
    expect(names.length).toBeGreaterThanOrEqual(25);
    const result = await run([
      'plugin',
      'validate',
      '--json',
      ...names.map((n) => `${fixtures}/invalid/${n}.json`),
    ]);
    expect(result.code).toBe(1);
    const reports = (JSON.parse(result.stdout) as { results: Report[] }).results;
    for (const [index, name] of names.entries()) {
      const [code, path] = expected[name]!;
      expect(reports[index]?.ok, name).toBe(false);
      expect(reports[index]?.issues, name).toEqual([expect.objectContaining({ code, path })]);
    }
  });

  it('accepts every example and first-party plugin and exits 0', async () => {
    const dirs = ['examples', 'plugins'].flatMap((root) =>
      readdirSync(`${repo}${root}`, { withFileTypes: true })
        .filter((d) => d.isDirectory())
        .map((d) => `${root}/${d.name}`),
    );
    expect(dirs.length).toBeGreaterThan(0);
    const result = await run(['plugin', 'validate', ...dirs]);
    expect(result.stderr.split('\n').filter((l) => !l.includes('warning') && l !== '')).toEqual([]);
    expect(result.code).toBe(0);
  });

  it('prints each problem with file, JSON path and code in text mode', async () => {
    const result = await run([
      'plugin',
      'validate',
      `${fixtures}/invalid/network-pattern-with-credentials.json`,
    ]);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      `${fixtures}/invalid/network-pattern-with-credentials.json: /permissions/network/0 must not contain credentials (user:password@); use a secret reference instead [ROKU_MANIFEST_BAD_NETWORK_PATTERN]\n`,
    );
  });

  it('reports a folder without a manifest as invalid', async () => {
    const result = await run(['plugin', 'validate', 'docs']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      'docs/roku.plugin.json: (root) has no roku.plugin.json [ROKU_CLI_NOT_FOUND]',
    );
  });

  it('exits 2 on usage errors', async () => {
    expect((await run(['plugin', 'validate'])).code).toBe(2);
    expect((await run(['plugin', 'validate', '--bogus', 'x'])).code).toBe(2);
    expect((await run(['no-such-command'])).code).toBe(2);
  });
});
