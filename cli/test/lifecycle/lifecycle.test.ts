import { appendFile, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateKeyPair } from '@roku/registry';
import { setup } from './helpers.js';
import type { Fixture } from './helpers.js';

interface ListJson {
  plugins: { id: string; version: string; enabled: boolean; registry: string }[];
}

async function listJson(fx: Fixture): Promise<ListJson['plugins']> {
  const result = await fx.run(['list', '--json']);
  expect(result.code).toBe(0);
  return (JSON.parse(result.stdout) as ListJson).plugins;
}

async function installedFiles(home: string): Promise<string[]> {
  try {
    return (await readdir(join(home, 'plugins'), { recursive: true })).sort();
  } catch {
    return [];
  }
}

describe('roku plugin install', () => {
  it('installs a signed plugin with --yes, shows its permissions in plain words, and list shows it', async () => {
    const fx = await setup();
    await fx.trustPublisher();
    await fx.publish('@acme/weather', '1.0.0', {
      network: ['https://api.weather.example'],
      secrets: ['WEATHER_KEY'],
    });
    const result = await fx.run(['install', '@acme/weather', '--yes']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('install @acme/weather@1.0.0 from default');
    expect(result.stdout).toContain('connect to https://api.weather.example');
    expect(result.stdout).toContain('use the secret WEATHER_KEY');
    expect(await listJson(fx)).toEqual([
      expect.objectContaining({ id: '@acme/weather', version: '1.0.0', enabled: true, registry: 'default' }),
    ]);
    const text = await fx.run(['list']);
    expect(text.stdout).toMatch(/^@acme\/weather@1\.0\.0 +enabled +default$/m);
  });

  it('shows at consent what wildcards and local origins really open, and which a manifest cannot grant', async () => {
    const fx = await setup();
    await fx.trustPublisher();
    await fx.publish('@acme/pages', '1.0.0', {
      network: ['https://*.github.io', 'https://*.cdn.pages.example', 'http://localhost:8080'],
    });
    const result = await fx.run(['install', '@acme/pages', '--yes']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(
      '- connect to any host under github.io (https): refused, because github.io is a public suffix',
    );
    expect(result.stdout).toContain('- connect to any host under cdn.pages.example (https)\n');
    expect(result.stdout).toContain(
      "- connect to http://localhost:8080: refused, a plugin's manifest cannot open loopback addresses; only your config can grant it (plugins.grants)",
    );
  });

  it('is idempotent: installing the same version again changes nothing and needs no consent', async () => {
    const fx = await setup();
    await fx.trustPublisher();
    await fx.publish('@acme/weather', '1.0.0', { network: ['https://api.weather.example'] });
    expect((await fx.run(['install', '@acme/weather', '--yes'])).code).toBe(0);
    const again = await fx.run(['install', '@acme/weather', '--json']);
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({
      ok: true,
      changed: false,
      plan: [{ action: 'unchanged' }],
    });
    expect(await listJson(fx)).toHaveLength(1);
  });

  it('fails closed without a terminal and without --yes, installing nothing', async () => {
    const fx = await setup();
    await fx.trustPublisher();
    await fx.publish('@acme/weather', '1.0.0');
    const result = await fx.run(['install', '@acme/weather']);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/standard input is not a terminal.*--yes.* \[ROKU_INSTALL_DENIED\]\n$/);
    expect(await listJson(fx)).toEqual([]);
    expect(await installedFiles(fx.home)).toEqual([]);
  });

  it('asks Allow? [y/N] on a terminal and installs only on yes', async () => {
    const fx = await setup();
    await fx.trustPublisher();
    await fx.publish('@acme/weather', '1.0.0', { network: ['https://api.weather.example'] });
    const refused = await fx.run(['install', '@acme/weather'], { answer: 'n' });
    expect(refused.stderr).toContain('Allow? [y/N]');
    expect(refused.code).toBe(1);
    expect(await listJson(fx)).toEqual([]);
    const granted = await fx.run(['install', '@acme/weather'], { answer: 'y' });
    expect(granted.code).toBe(0);
    expect(await listJson(fx)).toHaveLength(1);
  });

  it('--dry-run prints the plan and changes nothing', async () => {
    const fx = await setup();
    await fx.trustPublisher();
    await fx.publish('@acme/weather', '1.0.0', { network: ['https://api.weather.example'] });
    const result = await fx.run(['install', '@acme/weather', '--dry-run', '--json']);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({
      ok: true,
      dryRun: true,
      plan: [
        { id: '@acme/weather', action: 'install', permissions: { network: ['https://api.weather.example'] } },
      ],
    });
    expect(await listJson(fx)).toEqual([]);
    expect(await installedFiles(fx.home)).toEqual([]);
  });

  it('refuses a plugin signed by an unknown key unless --allow-unsigned names it', async () => {
    const fx = await setup();
    await fx.publish('@acme/weather', '1.0.0', { key: generateKeyPair() });
    const refused = await fx.run(['install', '@acme/weather', '--yes']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/\[ROKU_INSTALL_UNTRUSTED\]\n$/);
    expect(await listJson(fx)).toEqual([]);
    const allowed = await fx.run(['install', '@acme/weather', '--yes', '--allow-unsigned', '@acme/weather']);
    expect(allowed.code).toBe(0);
    expect(await listJson(fx)).toHaveLength(1);
  });

  it('prints progress lines on standard error only when it is a terminal', async () => {
    const fx = await setup();
    await fx.trustPublisher();
    await fx.publish('@acme/weather', '1.0.0');
    const quiet = await fx.run(['install', '@acme/weather', '--yes', '--dry-run']);
    expect(quiet.stderr).toBe('');
    const result = await fx.run(['install', '@acme/weather', '--yes'], { progress: true });
    expect(result.code).toBe(0);
    for (const word of ['resolving', 'downloading', 'verifying', 'extracting']) {
      expect(result.stderr).toMatch(new RegExp(`^${word} `, 'm'));
    }
  });

  it('exits 2 on a usage error such as a missing spec', async () => {
    const fx = await setup();
    expect((await fx.run(['install'])).code).toBe(2);
    expect((await fx.run(['update'])).code).toBe(2);
  });
});

describe('roku plugin update', () => {
  it('fails closed when the new version asks for more permissions and --yes is missing', async () => {
    const fx = await setup();
    await fx.trustPublisher();
    await fx.publish('@acme/weather', '1.0.0', { network: ['https://api.weather.example'] });
    expect((await fx.run(['install', '@acme/weather', '--yes'])).code).toBe(0);
    await fx.publish('@acme/weather', '1.1.0', {
      network: ['https://api.weather.example', 'https://tiles.example'],
    });
    const refused = await fx.run(['update', '@acme/weather']);
    expect(refused.code).toBe(1);
    expect(refused.stdout).toContain(
      'on top of what it may do today, it may also:\n    - connect to https://tiles.example',
    );
    expect(refused.stderr).toContain('[ROKU_INSTALL_DENIED]');
    expect((await listJson(fx))[0]?.version).toBe('1.0.0');
    expect((await fx.run(['update', '--all', '--yes'])).code).toBe(0);
    expect((await listJson(fx))[0]?.version).toBe('1.1.0');
  });

  it('updates without --yes when no permission is added', async () => {
    const fx = await setup();
    await fx.trustPublisher();
    await fx.publish('@acme/weather', '1.0.0', { network: ['https://api.weather.example'] });
    expect((await fx.run(['install', '@acme/weather', '--yes'])).code).toBe(0);
    await fx.publish('@acme/weather', '1.0.1', { network: ['https://api.weather.example'] });
    const result = await fx.run(['update', '@acme/weather']);
    expect(result.code).toBe(0);
    expect((await listJson(fx))[0]?.version).toBe('1.0.1');
  });
});

describe('roku plugin uninstall, verify, enable and disable', () => {
  it('uninstalls a plugin', async () => {
    const fx = await setup();
    await fx.trustPublisher();
    await fx.publish('@acme/weather', '1.0.0');
    expect((await fx.run(['install', '@acme/weather', '--yes'])).code).toBe(0);
    const result = await fx.run(['uninstall', '@acme/weather']);
    expect(result.code).toBe(0);
    expect(await listJson(fx)).toEqual([]);
    const again = await fx.run(['uninstall', '@acme/weather']);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('[ROKU_INSTALL_NOT_INSTALLED]');
  });

  it('verify passes on a clean install and exits 1 naming a modified installed file', async () => {
    const fx = await setup();
    await fx.trustPublisher();
    await fx.publish('@acme/weather', '1.0.0');
    expect((await fx.run(['install', '@acme/weather', '--yes'])).code).toBe(0);
    expect((await fx.run(['verify'])).code).toBe(0);
    const files = await installedFiles(fx.home);
    const entry = files.find((f) => f.endsWith('index.js'));
    expect(entry).toBeDefined();
    await appendFile(join(fx.home, 'plugins', entry ?? ''), 'globalThis.stolen = true;\n');
    const result = await fx.run(['verify', '--json']);
    expect(result.code).toBe(1);
    expect(JSON.parse(result.stdout)).toMatchObject({
      ok: false,
      problems: [{ id: '@acme/weather', kind: 'modified', path: 'index.js' }],
    });
    expect((await fx.run(['verify'])).stdout).toMatch(/^modified +@acme\/weather@1\.0\.0 +index\.js$/m);
  });

  it('disable and enable are reflected in list --json', async () => {
    const fx = await setup();
    await fx.trustPublisher();
    await fx.publish('@acme/weather', '1.0.0');
    expect((await fx.run(['install', '@acme/weather', '--yes'])).code).toBe(0);
    expect((await fx.run(['disable', '@acme/weather'])).code).toBe(0);
    expect((await listJson(fx))[0]?.enabled).toBe(false);
    expect((await fx.run(['enable', '@acme/weather'])).code).toBe(0);
    expect((await listJson(fx))[0]?.enabled).toBe(true);
    const state = JSON.parse(await readFile(join(fx.home, 'state', 'installed.json'), 'utf8')) as unknown;
    expect(state).toMatchObject({ plugins: { '@acme/weather': { enabled: true } } });
  });
});
