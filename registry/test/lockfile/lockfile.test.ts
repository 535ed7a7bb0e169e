import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '@roku/test-support';
import type { Permissions, ResolutionPlan } from '../../src/index.js';
import {
  assertFrozen,
  createLocalRegistry,
  frozenCheck,
  lockFromPlan,
  parsePackageSpec,
  readLockfile,
  resolve,
  writeLockfile,
} from '../../src/index.js';
import { publish } from '../local/helpers.js';

async function planFor(
  network: string[] = ['https://api.acme.dev'],
): Promise<{ plan: ResolutionPlan; dir: string }> {
  const dir = tempDir('lockfile');
  const registry = createLocalRegistry(join(dir, 'registry'));
  await publish(registry, '@acme/app', '1.0.0', { dependencies: { '@acme/http': '^1.0.0' }, network });
  await publish(registry, '@acme/http', '1.0.0');
  const plan = await resolve([parsePackageSpec('@acme/app')], {
    registries: [{ name: 'main', scopes: [], source: registry }],
    hostApiVersion: '0.1.0',
  });
  return { plan, dir };
}

const grantsOf = (plan: ResolutionPlan): Record<string, Permissions> =>
  Object.fromEntries(plan.packages.map((p) => [p.id, p.manifestSummary.permissions]));

describe('roku.lock', () => {
  it('round-trips through a file with a stable key order', async () => {
    const { plan, dir } = await planFor();
    const lock = lockFromPlan(plan, grantsOf(plan));
    expect(lock.plugins['@acme/app']).toMatchObject({
      version: '1.0.0',
      registry: 'main',
      signer: 'key-1',
      dependencies: { '@acme/http': '^1.0.0' },
      permissions: { network: ['https://api.acme.dev'] },
    });
    const path = join(dir, 'roku.lock');
    await writeLockfile(path, lock);
    expect(await readLockfile(path)).toEqual(lock);
    const text = await readFile(path, 'utf8');
    expect(text.endsWith('}\n')).toBe(true);
    expect(text.indexOf('"lockfileVersion"')).toBeLessThan(text.indexOf('"plugins"'));
    expect(text.indexOf('"dependencies"')).toBeLessThan(text.indexOf('"integrity"'));
    // Writing the same lock again yields the same bytes and leaves no temporary file.
    await writeLockfile(path, lockFromPlan(plan, grantsOf(plan)));
    expect(await readFile(path, 'utf8')).toBe(text);
    expect((await readdir(dir)).sort()).toEqual(['registry', 'roku.lock']);
  });

  it('reads a missing lockfile as undefined', async () => {
    expect(await readLockfile(join(tempDir('lockfile'), 'roku.lock'))).toBeUndefined();
  });

  it('names the file and the JSON path of every problem', async () => {
    const dir = tempDir('lockfile');
    const path = join(dir, 'roku.lock');
    await writeFile(path, JSON.stringify({ lockfileVersion: 2, plugins: { '@acme/a': { version: 1 } } }));
    const err = await readLockfile(path).catch(
      (e: unknown) => e as { code: string; message: string; details: { issues: { path: string }[] } },
    );
    expect(err).toMatchObject({ code: 'ROKU_REGISTRY_LOCK_INVALID' });
    const paths = (err as { details: { issues: { path: string }[] } }).details.issues.map((i) => i.path);
    expect(paths).toEqual(
      expect.arrayContaining([
        '/lockfileVersion',
        '/plugins/@acme~1a/version',
        '/plugins/@acme~1a/integrity',
      ]),
    );
    expect((err as { message: string }).message.startsWith(`${path}: `)).toBe(true);
    await writeFile(path, '{ nope');
    await expect(readLockfile(path)).rejects.toMatchObject({
      code: 'ROKU_REGISTRY_LOCK_INVALID',
      message: expect.stringContaining('is not valid JSON') as unknown,
    });
  });

  it('finds nothing to change when the plan matches the lock', async () => {
    const { plan } = await planFor();
    const lock = lockFromPlan(plan, grantsOf(plan));
    expect(frozenCheck(plan, lock)).toEqual([]);
    expect(() => {
      assertFrozen(plan, lock);
    }).not.toThrow();
  });

  it('lists every difference a --frozen install would refuse', async () => {
    const { plan } = await planFor();
    const lock = lockFromPlan(plan, grantsOf(plan));
    const { plan: other } = await planFor(['https://other.acme.dev']);
    const stale = {
      ...lock,
      plugins: {
        ...lock.plugins,
        '@acme/old': { ...lock.plugins['@acme/http']!, version: '0.1.0' },
        '@acme/http': { ...lock.plugins['@acme/http']!, version: '0.9.0', registry: 'mirror' },
      },
    };
    const differences = frozenCheck(other, stale);
    expect(differences).toEqual([
      {
        id: '@acme/app',
        kind: 'changed',
        field: 'permissions',
        locked: lock.plugins['@acme/app']?.permissions,
        planned: other.packages[0]?.manifestSummary.permissions,
      },
      { id: '@acme/http', kind: 'changed', field: 'version', locked: '0.9.0', planned: '1.0.0' },
      { id: '@acme/http', kind: 'changed', field: 'registry', locked: 'mirror', planned: 'main' },
      { id: '@acme/old', kind: 'removed', locked: '0.1.0' },
    ]);
    expect(() => {
      assertFrozen(other, stale);
    }).toThrow(expect.objectContaining({ code: 'ROKU_REGISTRY_LOCK_MISMATCH' }));
    const rest = Object.fromEntries(Object.entries(lock.plugins).filter(([id]) => id !== '@acme/http'));
    expect(frozenCheck(plan, { lockfileVersion: 1, plugins: rest })).toEqual([
      { id: '@acme/http', kind: 'added', planned: '1.0.0' },
    ]);
  });

  it('refuses to write a lock that breaks the schema', async () => {
    const path = join(tempDir('lockfile'), 'roku.lock');
    const bad = { lockfileVersion: 1, plugins: { '@acme/a': { version: '1.0.0' } } } as never;
    await expect(writeLockfile(path, bad)).rejects.toMatchObject({ code: 'ROKU_REGISTRY_LOCK_INVALID' });
    expect(await readLockfile(path)).toBeUndefined();
  });
});
