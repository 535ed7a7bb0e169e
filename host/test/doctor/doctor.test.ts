import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '@roku/test-support';
import { runDoctor } from '../../src/index.js';

describe('doctor', () => {
  it('passes every check on a working machine with a fresh home', async () => {
    const home = join(tempDir('doctor'), 'home');
    const checks = await runDoctor({ env: { ROKU_HOME: home } });
    expect(checks.map((c) => c.name)).toEqual([
      'node',
      'config',
      'data dir',
      'sqlite',
      'isolate engine',
      'wasm engine',
      'plugin settings',
      'plugins',
      'confinement',
      'mcp limits',
    ]);
    expect(checks.filter((c) => !c.ok)).toEqual([]);
    expect(checks.find((c) => c.name === 'confinement')?.detail).toMatch(/^(bubblewrap|unshare -rn|none): /);
    expect(checks.find((c) => c.name === 'sqlite')?.detail).toMatch(/^SQLite \d+\.\d+/);
    expect(checks.find((c) => c.name === 'mcp limits')?.detail).toMatch(/^(prlimit \(|none: )/);
  });

  it('reports a bad config with the reason and a fix, and still runs the other checks', async () => {
    const home = tempDir('doctor');
    writeFileSync(join(home, 'config.json'), JSON.stringify({ agent: { stepBudgt: 3 } }));
    const checks = await runDoctor({ env: { ROKU_HOME: home } });
    const config = checks.find((c) => c.name === 'config');
    expect(config).toMatchObject({ ok: false });
    expect(config?.detail).toContain("/agent/stepBudgt is not a known field (did you mean 'stepBudget'?)");
    expect(config?.fix).toBeDefined();
    expect(checks.find((c) => c.name === 'isolate engine')?.ok).toBe(true);
  });

  it.skipIf(process.getuid?.() === 0)('reports a data dir it cannot write', async () => {
    const parent = tempDir('doctor');
    chmodSync(parent, 0o500);
    const checks = await runDoctor({ env: { ROKU_HOME: join(parent, 'home') } });
    expect(checks.find((c) => c.name === 'data dir')).toMatchObject({ ok: false });
  });

  it('reports a data dir that is a file', async () => {
    const parent = tempDir('doctor');
    const file = join(parent, 'not-a-dir');
    writeFileSync(file, '');
    const checks = await runDoctor({ env: { ROKU_HOME: file } });
    expect(checks.find((c) => c.name === 'data dir')).toMatchObject({ ok: false });
    expect(checks.find((c) => c.name === 'sqlite')?.detail).toContain('skipped');
  });
});
