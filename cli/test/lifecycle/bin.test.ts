import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { setup } from './helpers.js';

const repo = fileURLToPath(new URL('../../../', import.meta.url));
const bin = join(repo, 'cli/dist/bin.js');
const wired = readFileSync(join(repo, 'cli/src/main.ts'), 'utf8').includes('registerLifecycleCommands');

describe.skipIf(!wired)('the roku binary', () => {
  beforeAll(() => {
    if (!existsSync(bin)) execFileSync('pnpm', ['--filter', '@roku/cli...', 'run', 'build'], { cwd: repo });
  });

  it('installs with --yes, refuses without it, and lists what is installed', async () => {
    const fx = await setup();
    await fx.trustPublisher();
    await fx.publish('@acme/weather', '1.0.0', { network: ['https://api.weather.example'] });
    const roku = (args: string[]) =>
      spawnSync(process.execPath, [bin, 'plugin', ...args], {
        cwd: fx.home,
        encoding: 'utf8',
        input: '',
        env: { PATH: process.env.PATH ?? '', ROKU_HOME: fx.home, ROKU_REGISTRY_DIR: fx.registryDir },
      });
    const refused = roku(['install', '@acme/weather']);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toContain('[ROKU_INSTALL_DENIED]');
    const installed = roku(['install', '@acme/weather', '--yes']);
    expect(installed.stderr).toBe('');
    expect(installed.status).toBe(0);
    const list = roku(['list', '--json']);
    expect(JSON.parse(list.stdout)).toMatchObject({ plugins: [{ id: '@acme/weather', version: '1.0.0' }] });
  });
});
