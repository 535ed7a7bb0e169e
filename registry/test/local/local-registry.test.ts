import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '@roku/test-support';
import { createLocalRegistry, parseIndexDocument } from '../../src/index.js';
import { fixtureManifest as manifest } from '../../src/testing/index.js';
import { integrity, publish } from './helpers.js';

const fixedClock = (): Date => new Date('2025-06-01T12:00:00.000Z');

describe('local directory registry', () => {
  it('publishes into a static layout any web server could serve', async () => {
    const root = tempDir('local-registry');
    const registry = createLocalRegistry(root, { now: fixedClock });
    await publish(registry, '@acme/search', '1.0.0', { dependencies: { '@acme/http': '^1.0.0' } });

    const text = await readFile(join(root, '@acme', 'search', 'index.json'), 'utf8');
    const doc = parseIndexDocument(text, 'index.json');
    expect(doc.distTags).toEqual({ latest: '1.0.0' });
    const entry = doc.versions['1.0.0'];
    expect(entry?.archive).toBe('-/search-1.0.0.tgz');
    expect(entry?.publishedAt).toBe('2025-06-01T12:00:00.000Z');
    expect(entry?.manifest).toMatchObject({
      id: '@acme/search',
      dependencies: { '@acme/http': '^1.0.0' },
      runtime: { type: 'isolate' },
      contributes: { tools: ['echo'] },
    });
    const archive = await readFile(join(root, '@acme', 'search', '-', 'search-1.0.0.tgz'), 'utf8');
    expect(archive).toBe('archive of @acme/search@1.0.0');
    expect(new TextDecoder().decode(await registry.readArchive('@acme/search', '1.0.0'))).toBe(archive);
    // No temporary files are left behind by the atomic writes.
    expect(await readdir(join(root, '@acme', 'search'))).toEqual(['-', 'index.json']);
  });

  it('refuses to publish a version twice: versions are immutable', async () => {
    const registry = createLocalRegistry(tempDir('local-registry'));
    await publish(registry, '@acme/search', '1.0.0');
    await expect(
      publish(registry, '@acme/search', '1.0.0', { description: 'changed' }),
    ).rejects.toMatchObject({
      code: 'ROKU_REGISTRY_VERSION_EXISTS',
    });
    const doc = await registry.getDocument('@acme/search');
    expect(doc?.versions['1.0.0']?.manifest.description).toBe('The @acme/search plugin');
  });

  it('serializes concurrent publishes of one plugin so none is lost', async () => {
    const registry = createLocalRegistry(tempDir('local-registry'));
    await Promise.all(['1.0.0', '1.1.0', '1.2.0', '2.0.0'].map((v) => publish(registry, '@acme/search', v)));
    const doc = await registry.getDocument('@acme/search');
    expect(Object.keys(doc?.versions ?? {}).sort()).toEqual(['1.0.0', '1.1.0', '1.2.0', '2.0.0']);
    expect(doc?.distTags.latest).toBe('2.0.0');
  });

  it('refuses an archive whose integrity does not match and an invalid manifest', async () => {
    const registry = createLocalRegistry(tempDir('local-registry'));
    const bytes = new TextEncoder().encode('x');
    await expect(
      registry.publish({
        manifest: manifest('@acme/a', '1.0.0'),
        archiveBytes: bytes,
        integrity: integrity(new TextEncoder().encode('y')),
        signatures: [],
      }),
    ).rejects.toMatchObject({ code: 'ROKU_REGISTRY_INTEGRITY' });
    await expect(
      registry.publish({
        manifest: { ...manifest('@acme/a', '1.0.0'), license: undefined },
        archiveBytes: bytes,
        integrity: integrity(bytes),
        signatures: [],
      }),
    ).rejects.toMatchObject({
      code: 'ROKU_REGISTRY_MANIFEST_INVALID',
      message: expect.stringContaining('/license') as unknown,
    });
  });

  it('keeps latest on the highest release and moves it off a yanked version', async () => {
    const registry = createLocalRegistry(tempDir('local-registry'));
    await publish(registry, '@acme/a', '1.0.0');
    await publish(registry, '@acme/a', '2.0.0-beta.1');
    await publish(registry, '@acme/a', '1.1.0');
    expect((await registry.getDocument('@acme/a'))?.distTags).toEqual({ latest: '1.1.0' });
    await registry.setDistTag('@acme/a', 'beta', '2.0.0-beta.1');
    await registry.yank('@acme/a', '1.1.0');
    const doc = await registry.getDocument('@acme/a');
    expect(doc?.distTags).toEqual({ latest: '1.0.0', beta: '2.0.0-beta.1' });
    expect(doc?.versions['1.1.0']?.yanked).toBe(true);
  });

  it('reports unknown plugins, versions and tags by code', async () => {
    const registry = createLocalRegistry(tempDir('local-registry'));
    expect(await registry.getDocument('@acme/nothing')).toBeUndefined();
    await publish(registry, '@acme/a', '1.0.0');
    await expect(registry.readArchive('@acme/a', '9.9.9')).rejects.toMatchObject({
      code: 'ROKU_REGISTRY_NOT_FOUND',
    });
    await expect(registry.yank('@acme/b', '1.0.0')).rejects.toMatchObject({
      code: 'ROKU_REGISTRY_NOT_FOUND',
    });
    await expect(registry.setDistTag('@acme/a', 'next', '2.0.0')).rejects.toMatchObject({
      code: 'ROKU_REGISTRY_NOT_FOUND',
    });
    await expect(registry.setDistTag('@acme/a', '1x', '1.0.0')).rejects.toMatchObject({
      code: 'ROKU_REGISTRY_BAD_SPEC',
    });
  });

  it('refuses names that could leave the registry folder', async () => {
    const registry = createLocalRegistry(tempDir('local-registry'));
    await expect(registry.getDocument('@acme/../../etc')).rejects.toMatchObject({
      code: 'ROKU_REGISTRY_BAD_SPEC',
    });
    await expect(registry.getDocument('../x')).rejects.toMatchObject({ code: 'ROKU_REGISTRY_BAD_SPEC' });
  });

  it('searches ids, descriptions and contribution names of latest versions', async () => {
    const registry = createLocalRegistry(tempDir('local-registry'));
    expect(await registry.search('x')).toEqual([]);
    await publish(registry, '@acme/web-search', '1.0.0', { description: 'Searches the web.' });
    await publish(registry, '@other/notes', '0.2.0', { description: 'Keeps notes.' });
    expect((await registry.search('WEB')).map((h) => h.name)).toEqual(['@acme/web-search']);
    expect(await registry.search('notes')).toEqual([
      { name: '@other/notes', version: '0.2.0', description: 'Keeps notes.' },
    ]);
    expect((await registry.search('echo')).map((h) => h.name)).toEqual(['@acme/web-search', '@other/notes']);
  });
});
