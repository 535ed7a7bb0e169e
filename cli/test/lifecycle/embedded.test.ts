import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { tempDir } from '@roku/test-support';
import { watchPluginChanges } from '@roku/host';
import type { PluginChangeSignal } from '@roku/host';

const repo = fileURLToPath(new URL('../../../', import.meta.url));
const bin = join(repo, 'cli/dist/bin.js');

describe('installing from the embedded registry the workspace build seeds', () => {
  it('installs a first-party example offline on a fresh home, signed by the registry’s own key', async () => {
    expect(existsSync(join(repo, 'registry-data', 'trusted-keys.json'))).toBe(true);
    const home = tempDir('embedded');
    const env = { PATH: process.env.PATH ?? '', ROKU_HOME: home };
    // A running host (simulated by this watcher) is told to reload once the install commits.
    const signals: PluginChangeSignal[] = [];
    const watcher = await watchPluginChanges(home, (signal) => signals.push(signal));
    const install = spawnSync(
      process.execPath,
      [bin, 'plugin', 'install', '@roku/example-tool-echo', '--yes', '--json'],
      {
        cwd: repo,
        encoding: 'utf8',
        env,
      },
    );
    expect(install.status, install.stderr).toBe(0);
    const list = spawnSync(process.execPath, [bin, 'plugin', 'list', '--json'], {
      cwd: repo,
      encoding: 'utf8',
      env,
    });
    const listed = JSON.parse(list.stdout) as {
      plugins: { id: string; enabled: boolean; registry: string }[];
    };
    expect(listed.plugins).toEqual([
      expect.objectContaining({ id: '@roku/example-tool-echo', enabled: true, registry: 'default' }),
    ]);
    await expect
      .poll(() => signals.map((s) => [s.kind, s.ids]))
      .toEqual([['apply', ['@roku/example-tool-echo']]]);
    watcher.close();
  });
});
