import { spawnSync } from 'node:child_process';
import { appendFileSync, chmodSync, cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { tempDir } from '@roku/test-support';
import { writeRawPlugin } from '../support/raw-plugin.js';

const repo = fileURLToPath(new URL('../../../', import.meta.url));
const bin = join(repo, 'cli/dist/bin.js');
const ECHO = '@roku/example-tool-echo';

function roku(
  args: string[],
  home: string,
  env: Record<string, string> = {},
): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [bin, ...args], {
    cwd: tempDir('admission-cwd'),
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '', ROKU_HOME: home, ...env },
    timeout: 60_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** The doctor's plugins check: what loaded and the notes on what did not. */
function pluginsCheck(home: string, env: Record<string, string> = {}): string {
  const r = roku(['doctor', '--json'], home, env);
  const checks = (JSON.parse(r.stdout) as { checks: { name: string; detail: string }[] }).checks;
  return JSON.stringify(checks.filter((c) => c.name === 'plugins'));
}

function installedEcho(): { home: string; dir: string } {
  const home = tempDir('admission-home');
  const result = roku(['plugin', 'install', ECHO, '--yes'], home);
  expect(result.code, result.stderr).toBe(0);
  return { home, dir: join(home, 'plugins', 'roku__example-tool-echo', '0.1.0') };
}

describe('plugin admission when a snapshot loads plugins', () => {
  it('refuses an installed plugin whose code changed after install, and installing it again repairs it', () => {
    const { home, dir } = installedEcho();
    expect(pluginsCheck(home)).toContain('2 tools');
    appendFileSync(join(dir, 'dist', 'plugin.js'), '\nglobalThis.evil = 1;\n');
    const refused = pluginsCheck(home);
    expect(refused).toContain('0 tools');
    expect(refused).toContain('dist/plugin.js was modified after install');
    expect(refused).toContain(`roku plugin install ${ECHO}@0.1.0`);

    expect(roku(['plugin', 'install', `${ECHO}@0.1.0`, '--yes'], home).code).toBe(0);
    expect(pluginsCheck(home)).toContain('2 tools');
    expect(roku(['plugin', 'verify'], home).code).toBe(0);
  });

  it('refuses a world-writable installed plugin with the chmod that fixes it', () => {
    const { home, dir } = installedEcho();
    chmodSync(join(dir, 'dist'), 0o777);
    const refused = pluginsCheck(home);
    expect(refused).toContain('world writable');
    expect(refused).toContain('chmod -R o-w');
    chmodSync(join(dir, 'dist'), 0o755);
    expect(pluginsCheck(home)).toContain('2 tools');
  });

  it('shows a dev folder claiming an installed id as shadowed unless plugins.devOverrides names it', () => {
    const { home } = installedEcho();
    const dev = join(tempDir('admission-dev'), 'echo');
    mkdirSync(dev);
    cpSync(join(repo, 'examples', 'tool-echo'), dev, { recursive: true });
    writeFileSync(join(home, 'config.json'), JSON.stringify({ plugins: { devDirs: [dev] } }));
    expect(pluginsCheck(home)).toContain(`dev plugin folder ${dev} is shadowed`);
    const listed = JSON.parse(roku(['plugin', 'list', '--json'], home).stdout) as { devPlugins: unknown[] };
    expect(listed.devPlugins).toEqual([{ id: ECHO, version: '0.1.0', dir: dev, shadowedBy: 'installed' }]);
    expect(roku(['plugin', 'list'], home).stdout).toContain(`shadowed  dev ${dev}`);
    writeFileSync(
      join(home, 'config.json'),
      JSON.stringify({ plugins: { devDirs: [dev], devOverrides: [ECHO] } }),
    );
    expect(pluginsCheck(home)).not.toContain('shadowed');
  });

  it('disables a plugin whose requirements are unmet or that declares side effects, saying why', () => {
    const home = tempDir('admission-req');
    const parent = tempDir('admission-req-dev');
    const needy = writeRawPlugin(parent, 'needy', { body: 'return 1;' });
    const manifestFile = join(needy, 'roku.plugin.json');
    const manifest = JSON.parse(readFileSync(manifestFile, 'utf8')) as Record<string, unknown>;
    writeFileSync(
      manifestFile,
      JSON.stringify({ ...manifest, requires: { envAny: [['A_TOKEN', 'B_TOKEN']], bins: ['node'] } }),
    );
    const effects = writeRawPlugin(parent, 'effects', { body: 'return 1;' });
    const effectsFile = join(effects, 'roku.plugin.json');
    const effectsManifest = JSON.parse(readFileSync(effectsFile, 'utf8')) as Record<string, unknown>;
    writeFileSync(effectsFile, JSON.stringify({ ...effectsManifest, sideEffects: true }));
    writeFileSync(join(home, 'config.json'), JSON.stringify({ plugins: { devDirs: [needy, effects] } }));

    const without = pluginsCheck(home);
    expect(without).toContain(
      '@test/needy is disabled: it requires one of the environment variables A_TOKEN, B_TOKEN',
    );
    expect(without).toContain('@test/effects is disabled: it declares side effects');
    // One variable of the set is enough (spec check 57).
    expect(pluginsCheck(home, { B_TOKEN: 'x' })).not.toContain('@test/needy is disabled');

    writeFileSync(
      join(home, 'config.json'),
      JSON.stringify({ plugins: { devDirs: [needy, effects], allowSideEffects: ['@test/effects'] } }),
    );
    expect(pluginsCheck(home)).not.toContain('@test/effects is disabled');
  });

  it('names a dev folder declaring more than 256 tools as refused in plugin list, roku run and doctor', () => {
    const home = tempDir('admission-256');
    const big = writeRawPlugin(tempDir('admission-256-dev'), 'big', { body: 'return 1;' });
    const manifestFile = join(big, 'roku.plugin.json');
    const manifest = JSON.parse(readFileSync(manifestFile, 'utf8')) as Record<string, unknown>;
    const tools = Array.from({ length: 257 }, (_, i) => ({
      name: `t${i}`,
      description: `Tool ${i}.`,
      inputSchema: { type: 'object' },
      risk: ['read'],
    }));
    writeFileSync(manifestFile, JSON.stringify({ ...manifest, contributes: { tools } }));
    const scripted = join(repo, 'plugins', 'provider-scripted');
    writeFileSync(
      join(home, 'config.json'),
      JSON.stringify({
        plugins: {
          devDirs: [big, scripted],
          settings: { '@roku/plugin-provider-scripted': { script: [{ text: 'hi' }] } },
        },
      }),
    );
    const why = '/contributes/tools must NOT have more than 256 items';

    const list = roku(['plugin', 'list'], home);
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(/@test\/big@0\.0\.1 +broken /);
    expect(list.stdout).toContain(why);
    const listed = JSON.parse(roku(['plugin', 'list', '--json'], home).stdout) as {
      devPlugins: { id: string; problem?: string }[];
    };
    expect(listed.devPlugins.find((d) => d.id === '@test/big')?.problem).toContain(why);
    expect(listed.devPlugins.find((d) => d.id === '@roku/plugin-provider-scripted')?.problem).toBeUndefined();

    const run = roku(['run', 'hello'], home);
    expect(run.stdout).toContain('hi');
    expect(run.stderr).toContain('plugin left out of the snapshot (plugin @test/big)');
    expect(run.stderr).toContain(why);
    expect(pluginsCheck(home)).toContain(why);
    // five CLI processes, each loading the plugins
  }, 60_000);
});
