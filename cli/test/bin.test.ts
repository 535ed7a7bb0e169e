import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '@roku/test-support';

const repo = fileURLToPath(new URL('../../', import.meta.url));
const bin = join(repo, 'cli/dist/bin.js');

function roku(args: string[], env: Record<string, string>) {
  return spawnSync(process.execPath, [bin, ...args], {
    cwd: repo,
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '', ...env },
  });
}

describe('the roku binary', () => {
  beforeAll(() => {
    if (!existsSync(bin)) execFileSync('pnpm', ['--filter', '@roku/cli...', 'run', 'build'], { cwd: repo });
  });

  it('runs doctor in a fresh home and reports every check ok', () => {
    const home = join(tempDir('bin'), 'home');
    const result = roku(['doctor'], { ROKU_HOME: home });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    for (const name of [
      'node',
      'config',
      'data dir',
      'sqlite',
      'isolate engine',
      'wasm engine',
      'plugin settings',
      'plugins',
    ]) {
      expect(result.stdout).toMatch(new RegExp(`^ok +${name} `, 'm'));
    }
  });

  it('exits 1 from doctor with the reason and a fix when the config is wrong', () => {
    const home = tempDir('bin');
    writeFileSync(join(home, 'config.json'), '{"server": {"port": "eighty"}}');
    const result = roku(['doctor', '--json'], { ROKU_HOME: home });
    expect(result.status).toBe(1);
    const report = JSON.parse(result.stdout) as { checks: { name: string; ok: boolean; detail: string }[] };
    expect(report.checks.find((c) => c.name === 'config')).toMatchObject({ ok: false });
    expect(report.checks.find((c) => c.name === 'config')?.detail).toContain('/server/port must be integer');
  });

  it('prints no stack trace for a user error', () => {
    const result = roku(
      ['plugin', 'validate', 'schemas/test/fixtures/manifest/invalid/malformed-json.json'],
      {},
    );
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('[ROKU_MANIFEST_JSON_MALFORMED]');
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });
});
