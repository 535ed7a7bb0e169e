import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateKeyPair } from '@roku/registry';
import type { PermissionDiff, PlannedInstall } from '../../src/index.js';
import { filesUnder, grantAll, setup } from './helpers.js';
import type { Fixture } from './helpers.js';

const code = (c: string): unknown => expect.objectContaining({ code: c }) as unknown;

const read = (path: string): Promise<string | undefined> => readFile(path, 'utf8').catch(() => undefined);

/** Everything an install may change, to compare before and after a failed apply. */
async function snapshot(f: Fixture): Promise<unknown> {
  return {
    state: await read(join(f.home, 'state', 'installed.json')),
    lock: await read(join(f.home, 'roku.lock')),
    plugins: await filesUnder(join(f.home, 'plugins')),
  };
}

async function install(f: Fixture, ...specs: string[]): Promise<void> {
  const installer = f.installer();
  await installer.apply(await installer.plan(specs), { grant: grantAll });
}

describe('installer', () => {
  it('installs a signed plugin and lists it, with roku.lock, cache and onChange', async () => {
    const f = await setup();
    await f.publish('@acme/one', '1.0.0', { network: ['https://api.example.com'] });
    const installer = f.installer();
    const plan = await installer.plan(['@acme/one']);
    expect(plan.installs.map((i) => [i.package.id, i.action])).toEqual([['@acme/one', 'install']]);
    expect(plan.installs[0]?.diff.network).toEqual(['https://api.example.com']);
    await installer.apply(plan, { grant: grantAll });

    const [listed] = await installer.list();
    expect(listed).toMatchObject({ id: '@acme/one', version: '1.0.0', enabled: true, registry: 'local' });
    expect(listed?.signer).toBe(plan.installs[0]?.package.signatures[0]?.keyId);
    expect(await read(join(f.home, 'plugins', 'acme__one', '1.0.0', 'index.js'))).toContain('1.0.0');
    const lock = JSON.parse((await read(join(f.home, 'roku.lock'))) ?? '{}') as {
      plugins: Record<string, { version: string; permissions: unknown }>;
    };
    expect(lock.plugins['@acme/one']).toMatchObject({
      version: '1.0.0',
      permissions: { network: ['https://api.example.com'] },
    });
    expect(await filesUnder(join(f.home, 'cache', 'archives'))).toHaveLength(1);
    expect(f.changes).toEqual([{ kind: 'apply', ids: ['@acme/one'] }]);
    expect(await filesUnder(join(f.home, 'plugins', '.staging'))).toEqual([]);
  });

  it('reinstalls from the archive cache after the registry folder is deleted', async () => {
    const f = await setup();
    await f.publish('@acme/one', '1.0.0');
    await install(f, '@acme/one');
    const installer = f.installer();
    await installer.uninstall('@acme/one');
    const plan = await installer.plan(['@acme/one']);
    await rm(f.registryDir, { recursive: true, force: true });
    await installer.apply(plan, { grant: grantAll });
    expect((await installer.list()).map((p) => p.version)).toEqual(['1.0.0']);
  });

  it('lists exactly the added host in the permission diff of an update', async () => {
    const f = await setup();
    await f.publish('@acme/one', '1.0.0', { network: ['https://a.example.com'] });
    await f.publish('@acme/one', '1.1.0', { network: ['https://a.example.com', 'https://b.example.com'] });
    await install(f, '@acme/one@1.0.0');
    const installer = f.installer();
    const plan = await installer.plan(['@acme/one@^1.1']);
    const asked: [PlannedInstall, PermissionDiff][] = [];
    await installer.apply(plan, { grant: (p, d) => asked.push([p, d]) > 0 });

    expect(asked).toHaveLength(1);
    const [planned, diff] = asked[0] ?? [];
    expect(planned).toMatchObject({ action: 'update', previousVersion: '1.0.0' });
    expect(planned?.granted.network).toEqual(['https://a.example.com']);
    expect(diff).toEqual({
      network: ['https://b.example.com'],
      filesystem: [],
      env: [],
      secrets: [],
      capabilities: [],
      empty: false,
    });
    expect((await installer.list())[0]?.granted.network).toHaveLength(2);
    expect(await filesUnder(join(f.home, 'plugins', 'acme__one'))).toEqual([
      '1.1.0/index.js',
      '1.1.0/roku.plugin.json',
    ]);
  });

  it('changes nothing when the grant is denied', async () => {
    const f = await setup();
    await f.publish('@acme/one', '1.0.0');
    await f.publish('@acme/one', '1.1.0', { network: ['https://b.example.com'] });
    await install(f, '@acme/one@1.0.0');
    const before = await snapshot(f);
    const installer = f.installer();
    const plan = await installer.plan(['@acme/one@1.1.0']);
    await expect(installer.apply(plan, { grant: () => false })).rejects.toEqual(code('ROKU_INSTALL_DENIED'));
    expect(await snapshot(f)).toEqual(before);
    expect(await filesUnder(join(f.home, 'cache', 'archives'))).toHaveLength(1);
  });

  it('refuses an archive tampered with in the registry and leaves the state unchanged', async () => {
    const f = await setup();
    await f.publish('@acme/one', '1.0.0');
    const installer = f.installer();
    const plan = await installer.plan(['@acme/one']);
    const [archive] = (await filesUnder(f.registryDir)).filter((p) => p.endsWith('.tgz'));
    await writeFile(join(f.registryDir, archive ?? ''), 'not the archive');
    const before = await snapshot(f);
    await expect(installer.apply(plan, { grant: grantAll })).rejects.toEqual(code('ROKU_INSTALL_TAMPERED'));
    expect(await snapshot(f)).toEqual(before);
    expect(await filesUnder(join(f.home, 'cache'))).toEqual([]);
  });

  it('refuses an unknown signer unless the plugin is in allowUnsigned', async () => {
    const f = await setup();
    await f.publish('@acme/one', '1.0.0', { key: generateKeyPair() });
    await f.publish('@acme/two', '1.0.0', { key: null });
    const installer = f.installer();
    const plan = await installer.plan(['@acme/one', '@acme/two']);
    await expect(installer.apply(plan, { grant: grantAll })).rejects.toEqual(code('ROKU_INSTALL_UNTRUSTED'));
    await expect(installer.apply(plan, { grant: grantAll, allowUnsigned: ['@acme/one'] })).rejects.toEqual(
      code('ROKU_INSTALL_UNTRUSTED'),
    );
    expect(await installer.list()).toEqual([]);
    await installer.apply(plan, { grant: grantAll, allowUnsigned: ['@acme/one', '@acme/two'] });
    expect((await installer.list()).map((p) => [p.id, p.signer])).toEqual([
      ['@acme/one', null],
      ['@acme/two', null],
    ]);
  });

  it('keeps the first package out of installed.json when the second fetch fails', async () => {
    const f = await setup();
    await f.publish('@acme/one', '1.0.0');
    await f.publish('@acme/two', '1.0.0');
    const installer = f.installer();
    const plan = await installer.plan(['@acme/one', '@acme/two']);
    const real = f.source;
    f.source = {
      getDocument: (name) => real.getDocument(name),
      fetchArchive: (name, version) =>
        name === '@acme/two'
          ? Promise.reject(new Error('connection reset'))
          : real.fetchArchive(name, version),
    };
    const before = await snapshot(f);
    await expect(installer.apply(plan, { grant: grantAll })).rejects.toThrow('connection reset');
    expect(await snapshot(f)).toEqual(before);
    expect(await installer.list()).toEqual([]);
    expect(f.changes).toEqual([]);
  });

  it.each(['placed', 'before-commit'] as const)(
    'rolls back a fault at %s and keeps the previous version usable',
    async (step) => {
      const f = await setup();
      await f.publish('@acme/one', '1.0.0');
      await f.publish('@acme/one', '2.0.0');
      await f.publish('@acme/two', '1.0.0');
      await install(f, '@acme/one@1.0.0');
      const before = await snapshot(f);
      const installer = f.installer();
      const plan = await installer.plan(['@acme/one@2.0.0', '@acme/two']);
      const onProgress = (at: string, id: string | undefined): void => {
        if (at === step && (id === '@acme/two' || id === undefined)) throw new Error(`crash at ${at}`);
      };
      await expect(installer.apply(plan, { grant: grantAll, onProgress })).rejects.toThrow('crash');
      expect(await snapshot(f)).toEqual(before);
      expect(await installer.verify()).toEqual({ ok: true, problems: [] });
    },
  );

  it('serialises concurrent applies so both land in a consistent state', async () => {
    const f = await setup();
    await f.publish('@acme/one', '1.0.0');
    await f.publish('@acme/two', '1.0.0');
    const a = f.installer();
    const b = f.installer();
    const [planA, planB] = await Promise.all([a.plan(['@acme/one']), b.plan(['@acme/two'])]);
    await Promise.all([a.apply(planA, { grant: grantAll }), b.apply(planB, { grant: grantAll })]);
    expect((await a.list()).map((p) => p.id)).toEqual(['@acme/one', '@acme/two']);
    expect(await a.verify()).toEqual({ ok: true, problems: [] });
  });

  it('refuses a downgrade unless allowed', async () => {
    const f = await setup();
    await f.publish('@acme/one', '1.0.0');
    await f.publish('@acme/one', '1.1.0');
    await install(f, '@acme/one@1.1.0');
    const installer = f.installer();
    await expect(installer.plan(['@acme/one@1.0.0'])).rejects.toEqual(code('ROKU_INSTALL_DOWNGRADE'));
    const plan = await installer.plan(['@acme/one@1.0.0'], { allowDowngrade: true });
    expect(plan.installs[0]?.action).toBe('downgrade');
  });

  it('installs exactly the lockfile when frozen and refuses anything else', async () => {
    const f = await setup();
    await f.publish('@acme/one', '1.0.0');
    await f.publish('@acme/two', '1.0.0');
    const installer = f.installer();
    await expect(installer.plan([], { frozen: true })).rejects.toEqual(code('ROKU_INSTALL_FROZEN_MISMATCH'));
    await install(f, '@acme/one');
    await f.publish('@acme/one', '1.2.0');
    const frozen = await installer.plan([], { frozen: true });
    expect(frozen.installs.map((i) => [i.package.id, i.package.version, i.action])).toEqual([
      ['@acme/one', '1.0.0', 'unchanged'],
    ]);
    await expect(installer.plan(['@acme/two'], { frozen: true })).rejects.toEqual(
      code('ROKU_INSTALL_FROZEN_MISMATCH'),
    );
  });

  it('uninstalls and toggles plugins, notifying each committed change', async () => {
    const f = await setup();
    await f.publish('@acme/one', '1.0.0');
    await install(f, '@acme/one');
    const installer = f.installer();
    await installer.setEnabled('@acme/one', false);
    expect((await installer.list())[0]?.enabled).toBe(false);
    await installer.uninstall('@acme/one');
    expect(await installer.list()).toEqual([]);
    expect(await filesUnder(join(f.home, 'plugins'))).toEqual([]);
    expect(await read(join(f.home, 'roku.lock'))).not.toContain('@acme/one');
    await expect(installer.uninstall('@acme/one')).rejects.toEqual(code('ROKU_INSTALL_NOT_INSTALLED'));
    expect(f.changes.map((c) => c.kind)).toEqual(['apply', 'disable', 'uninstall']);
  });

  it('verify reports a modified and an unexpected file', async () => {
    const f = await setup();
    await f.publish('@acme/one', '1.0.0');
    await install(f, '@acme/one');
    const dir = join(f.home, 'plugins', 'acme__one', '1.0.0');
    await writeFile(join(dir, 'index.js'), 'globalThis.evil = 1;\n');
    await writeFile(join(dir, 'extra.js'), '\n');
    expect(await f.installer().verify()).toEqual({
      ok: false,
      problems: [
        { id: '@acme/one', version: '1.0.0', kind: 'modified', path: 'index.js' },
        { id: '@acme/one', version: '1.0.0', kind: 'unexpected', path: 'extra.js' },
      ],
    });
  });
});
