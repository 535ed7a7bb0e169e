import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createLocalRegistry } from '@roku/registry';
import { setup } from './helpers.js';
import type { Fixture } from './helpers.js';

async function deprecate(fx: Fixture, id: string, version: string, message: string): Promise<void> {
  const file = join(fx.registryDir, id, 'index.json');
  const doc = JSON.parse(await readFile(file, 'utf8')) as {
    versions: Record<string, Record<string, unknown>>;
  };
  const entry = doc.versions[version];
  if (entry === undefined) throw new Error(`${id}@${version} is not published`);
  entry.deprecated = message;
  await writeFile(file, JSON.stringify(doc, null, 2));
}

describe('roku plugin search', () => {
  it('lists matching plugins with their latest version and description, by id', async () => {
    const fx = await setup();
    await fx.publish('@acme/weather', '1.0.0');
    await fx.publish('@acme/weather', '1.2.0');
    await fx.publish('@acme/news', '0.1.0');
    await fx.publish('@other/clock', '2.0.0');
    const result = await fx.run(['search', 'acme']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^@acme\/news@0\.1\.0 +The @acme\/news plugin +\(default\)$/m);
    expect(result.stdout).toMatch(/^@acme\/weather@1\.2\.0 +The @acme\/weather plugin +\(default\)$/m);
    expect(result.stdout).not.toContain('@other/clock');
    const json = await fx.run(['search', 'WEATHER', '--json']);
    expect(JSON.parse(json.stdout)).toEqual({
      ok: true,
      results: [
        {
          id: '@acme/weather',
          version: '1.2.0',
          description: 'The @acme/weather plugin',
          registry: 'default',
        },
      ],
      skipped: [],
    });
  });

  it('says so when nothing matches and still exits 0', async () => {
    const fx = await setup();
    await fx.publish('@acme/weather', '1.0.0');
    const result = await fx.run(['search', 'nothing-like-this']);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe("no plugins match 'nothing-like-this'\n");
  });
});

describe('roku plugin info', () => {
  it('shows versions, dist-tags, yanked and deprecated flags and the permissions in plain words', async () => {
    const fx = await setup();
    await fx.publish('@acme/weather', '1.0.0');
    await fx.publish('@acme/weather', '1.1.0', { network: ['https://api.weather.example'] });
    await fx.publish('@acme/weather', '1.2.0', { secrets: ['WEATHER_KEY'] });
    await createLocalRegistry(fx.registryDir).yank('@acme/weather', '1.2.0');
    await deprecate(fx, '@acme/weather', '1.0.0', 'use 1.1');
    const result = await fx.run(['info', '@acme/weather']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('dist-tags: latest: 1.1.0');
    expect(result.stdout).toMatch(/^ {2}1\.0\.0 {2}\(deprecated: use 1\.1\)$/m);
    expect(result.stdout).toMatch(/^ {2}1\.2\.0 {2}\(yanked\)$/m);
    expect(result.stdout).toContain('@acme/weather@1.1.0 may:\n  - connect to https://api.weather.example');
  });

  it('selects the version a range names and prints one JSON object with --json', async () => {
    const fx = await setup();
    await fx.publish('@acme/weather', '1.0.0', { secrets: ['OLD_KEY'] });
    await fx.publish('@acme/weather', '2.0.0');
    const result = await fx.run(['info', '@acme/weather@^1', '--json']);
    expect(result.code).toBe(0);
    const json = JSON.parse(result.stdout) as Record<string, unknown>;
    expect(json).toMatchObject({
      ok: true,
      id: '@acme/weather',
      registry: 'default',
      distTags: { latest: '2.0.0' },
      versions: [
        { version: '1.0.0', yanked: false },
        { version: '2.0.0', yanked: false },
      ],
      selected: { version: '1.0.0', permissions: { secrets: ['OLD_KEY'] } },
    });
    const text = await fx.run(['info', '@acme/weather@2.0.0']);
    expect(text.stdout).toContain('@acme/weather@2.0.0 asks for no permissions');
  });

  it('fails with ROKU_REGISTRY_NOT_FOUND for a plugin the registry does not have', async () => {
    const fx = await setup();
    await fx.publish('@acme/weather', '1.0.0');
    const result = await fx.run(['info', '@acme/missing']);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/@acme\/missing is not in registry 'default' \[ROKU_REGISTRY_NOT_FOUND\]/);
  });
});

describe('roku plugin outdated', () => {
  it('compares installed versions with the newest installable one and exits 0 either way', async () => {
    const fx = await setup();
    await fx.trustPublisher();
    await fx.publish('@acme/weather', '1.0.0');
    await fx.publish('@acme/news', '1.0.0');
    expect((await fx.run(['install', '@acme/weather', '@acme/news', '--yes'])).code).toBe(0);
    await fx.publish('@acme/weather', '1.1.0');
    const result = await fx.run(['outdated', '--json']);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({
      ok: true,
      plugins: [
        { id: '@acme/news', current: '1.0.0', wanted: '1.0.0', latest: '1.0.0', registry: 'default' },
        { id: '@acme/weather', current: '1.0.0', wanted: '1.1.0', latest: '1.1.0', registry: 'default' },
      ],
      outdated: ['@acme/weather'],
    });
    const text = await fx.run(['outdated']);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^id +current +wanted +latest +registry$/m);
    expect(text.stdout).toMatch(/^@acme\/weather +1\.0\.0 +1\.1\.0 +1\.1\.0 +default$/m);
  });

  it('says so when nothing is installed', async () => {
    const fx = await setup();
    const result = await fx.run(['outdated']);
    expect(result).toEqual({ code: 0, stdout: 'no plugins installed\n', stderr: '' });
  });
});
