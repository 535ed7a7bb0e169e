/**
 * Whose storage a plugin gets: an installed plugin's key-value entries and data folder belong to its id and
 * the publisher key it is bound to, so a dev folder claiming the id, or the id installed under another key,
 * sees none of it; storage keyed by id alone (before identities) is adopted by the installed plugin.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createKvStore } from '../../src/capabilities/index.js';
import { createRootLogger } from '../../src/index.js';
import { createPluginHost } from '../../src/plugins/plugin-host.js';
import type { PluginHost } from '../../src/plugins/plugin-host.js';
import { storageIdentity } from '../../src/plugins/storage-identity.js';
import { tempDir } from '@roku/test-support';
import { pluginId, writePlugin } from '../security/helpers.js';

/** Stores `input.put` (when given) under key k and in data/note.txt, then answers what both hold. */
const BODY = `const cap = async (op, args) => JSON.parse(await globalThis.__roku_host.cap(JSON.stringify({ op, args })));
if (input.put !== undefined) {
  await cap('kv.set', { key: 'k', value: input.put });
  await cap('fs.write', { root: 'data', path: 'note.txt', data: input.put, encoding: 'utf8' });
}
const kv = await cap('kv.get', { key: 'k' });
const file = await cap('fs.read', { root: 'data', path: 'note.txt', encoding: 'utf8' });
return { kv: kv.value.value, file: file.ok ? file.value.data : null };`;
const PERMISSIONS = { filesystem: [{ root: 'data' as const, access: 'read-write' as const }] };

let hosts: PluginHost[] = [];
afterEach(async () => {
  await Promise.all(hosts.map((h) => h.close()));
  hosts = [];
});

function setup(): { home: string; open: () => PluginHost; folder: string } {
  const root = tempDir('storage-identity');
  const home = join(root, 'home');
  const workspace = join(root, 'ws');
  mkdirSync(workspace, { recursive: true });
  mkdirSync(join(root, 'plugins'), { recursive: true });
  const folder = writePlugin(join(root, 'plugins'), 'keeper', { body: BODY, permissions: PERMISSIONS });
  const open = (): PluginHost => {
    const host = createPluginHost({
      logger: createRootLogger({ level: 'silent' }),
      home,
      workspace,
      env: {},
    });
    hosts.push(host);
    return host;
  };
  return { home, open, folder };
}

describe('plugin storage', () => {
  it('belongs to the installed identity: another key and a dev folder with the same id see none of it', async () => {
    const { open, folder } = setup();
    const host = open();
    const installed = await host.loadFolder(folder, { permissions: PERMISSIONS, publisherKey: 'key-A' });
    await expect(installed.call('tool:t', { put: 'private to A' })).resolves.toEqual({
      kv: 'private to A',
      file: 'private to A',
    });
    const otherKey = await host.loadFolder(folder, { permissions: PERMISSIONS, publisherKey: 'key-B' });
    await expect(otherKey.call('tool:t', {})).resolves.toEqual({ kv: null, file: null });
    const dev = await host.loadFolder(folder, { permissions: PERMISSIONS });
    await expect(dev.call('tool:t', {})).resolves.toEqual({ kv: null, file: null });
    // and the installed identity still has its own, across a restart of the host
    const again = await open().loadFolder(folder, { permissions: PERMISSIONS, publisherKey: 'key-A' });
    await expect(again.call('tool:t', {})).resolves.toEqual({ kv: 'private to A', file: 'private to A' });
  });

  it('written before identities (keyed by id alone) is adopted once by the installed plugin, never later', async () => {
    const { home, open, folder } = setup();
    const id = pluginId('keeper');
    const legacy = storageIdentity(id, undefined);
    const kv = createKvStore(join(home, 'state', 'plugin-kv.db'));
    kv.set(legacy.namespace, 'k', 'from before', 1 << 20);
    kv.close();
    mkdirSync(join(home, 'plugin-data', legacy.dirName), { recursive: true });
    writeFileSync(join(home, 'plugin-data', legacy.dirName, 'note.txt'), 'from before');

    const installed = await open().loadFolder(folder, { permissions: PERMISSIONS, publisherKey: 'key-A' });
    await expect(installed.call('tool:t', {})).resolves.toEqual({ kv: 'from before', file: 'from before' });
    expect(existsSync(join(home, 'plugin-data', legacy.dirName))).toBe(false);

    // A dev folder writes under the id alone afterwards: a later install of the id under a new key gets none.
    const host = open();
    await (await host.loadFolder(folder, { permissions: PERMISSIONS })).call('tool:t', { put: 'planted' });
    const later = await host.loadFolder(folder, { permissions: PERMISSIONS, publisherKey: 'key-C' });
    await expect(later.call('tool:t', {})).resolves.toEqual({ kv: null, file: null });
  });
});
