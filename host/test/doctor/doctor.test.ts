import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { tempDir } from '@roku/test-support';
import { runDoctor } from '../../src/index.js';

const hostDist = fileURLToPath(new URL('../../dist/index.js', import.meta.url));

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
      'cpu clock',
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
    // thread CPU time with isolated-vm built from source (pnpm build:isolated-vm), else the prebuild's warning
    expect(checks.find((c) => c.name === 'cpu clock')?.detail).toMatch(
      /^(thread CPU time \(build\/Release\/isolated_vm\.node\)|note: isolated-vm counts elapsed time )/,
    );
  });

  it.runIf(process.platform === 'linux' && process.arch === 'x64')(
    "notes that isolated-vm's linux prebuild counts elapsed time, and how to build it with a CPU clock",
    () => {
      // node-gyp-build loads the addon from ISOLATED_VM_PREBUILD's folder: one holding only the prebuilds
      const ivm = dirname(createRequire(hostDist).resolve('isolated-vm'));
      const prebuildOnly = tempDir('doctor-prebuild');
      symlinkSync(join(ivm, 'prebuilds'), join(prebuildOnly, 'prebuilds'));
      const code = `const { runDoctor } = await import(${JSON.stringify(hostDist)});
      const checks = await runDoctor({ env: { ROKU_HOME: ${JSON.stringify(tempDir('doctor'))} } });
      process.stdout.write(JSON.stringify(checks.find((c) => c.name === 'cpu clock')));`;
      const out = execFileSync(process.execPath, ['--input-type=module', '-e', code], {
        env: { ...process.env, ISOLATED_VM_PREBUILD: prebuildOnly },
        encoding: 'utf8',
      });
      const check = JSON.parse(out) as { ok: boolean; detail: string };
      expect(check.ok).toBe(true);
      expect(check.detail).toMatch(/^note: isolated-vm counts elapsed time .*prebuilds\/linux-x64\//);
      expect(check.detail).toContain('pnpm build:isolated-vm');
    },
    60_000,
  );

  it('notes a plugin whose memory holds fewer calls at once than its concurrency, and what to raise', async () => {
    const home = join(tempDir('doctor'), 'home');
    const scripted = '@roku/plugin-provider-scripted';
    mkdirSync(home, { recursive: true });
    writeFileSync(
      join(home, 'config.json'),
      JSON.stringify({
        plugins: {
          devDirs: [fileURLToPath(new URL('../../../plugins/provider-scripted', import.meta.url))],
          grants: { [scripted]: { limits: { concurrency: 64 } } },
        },
      }),
    );
    const checks = await runDoctor({ env: { ROKU_HOME: home } });
    const plugins = checks.find((c) => c.name === 'plugins');
    expect(plugins?.ok).toBe(true);
    expect(plugins?.detail).toMatch(
      new RegExp(
        `note: ${scripted}: its 32 MB of memory hold \\d+ calls at once: raise plugins\\.grants\\["${scripted}"\\]\\.limits\\.memoryMb for more \\(its concurrency is 64\\)`,
      ),
    );
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
