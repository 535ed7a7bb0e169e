/*
 * Whose storage a plugin gets. An installed plugin's key-value namespace and data and cache folders belong to
 * its identity: its id and the publisher key it is bound to (roku.lock). A dev folder or bundled plugin with
 * the same id (it loads only with plugins.devOverrides) and a later install of the id signed by another key get
 * storage of their own, never the installed plugin's. Storage written before identities existed (keyed by id
 * alone) is adopted by the installed identity of that id, by the first host process that runs with identities
 * (a marker file closes adoption after that, so a dev folder cannot later plant data for an installed plugin).
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { KvStore } from '../capabilities/index.js';
import { pluginDirName } from './plugin-folder.js';

export interface StorageIdentity {
  /** The key-value namespace. */
  readonly namespace: string;
  /** The folder name under plugin-data/ and cache/plugins/. */
  readonly dirName: string;
  /** Set for an installed plugin: storage keyed by id alone that it may adopt. */
  readonly legacy?: { readonly namespace: string; readonly dirName: string };
}

/** The storage of plugin `id`, bound to `publisherKey` when it is installed (undefined: dev or bundled). */
export function storageIdentity(id: string, publisherKey: string | undefined): StorageIdentity {
  const base = pluginDirName(id);
  if (publisherKey === undefined) return { namespace: id, dirName: base };
  const tag = createHash('sha256').update(publisherKey).digest('hex').slice(0, 12);
  return { namespace: `${id}#${tag}`, dirName: `${base}~${tag}`, legacy: { namespace: id, dirName: base } };
}

/**
 * Moves storage keyed by id alone to an installed identity that has none yet: key-value entries, and the
 * data folder `legacyDir` to `dir` (a rename, so a crash leaves one of the two, never a mix).
 */
export function adoptLegacyStorage(
  kv: KvStore,
  identity: StorageIdentity,
  folders: readonly { readonly legacyDir: string; readonly dir: string }[],
): void {
  if (identity.legacy === undefined) return;
  kv.adopt(identity.legacy.namespace, identity.namespace);
  for (const { legacyDir, dir } of folders) {
    if (existsSync(dir) || !existsSync(legacyDir)) continue;
    mkdirSync(dirname(dir), { recursive: true });
    renameSync(legacyDir, dir);
  }
}

/**
 * Whether storage keyed by id alone may still be adopted in this home: true only for the first host process
 * that runs with storage identities; it writes the marker that closes adoption for every later one.
 */
export function openLegacyAdoption(stateDir: string): boolean {
  const marker = join(stateDir, 'storage-identities');
  if (existsSync(marker)) return false;
  writeFileSync(marker, 'plugin storage is keyed by id + publisher key (see storage-identity.ts)\n');
  return true;
}

/** The store as one plugin sees it: every call goes to its identity's namespace, whatever it names. */
export function scopedKv(kv: KvStore, namespace: string): KvStore {
  return {
    get: (_ns, key) => kv.get(namespace, key),
    set: (_ns, key, value, quotaBytes, maxKeys) => {
      kv.set(namespace, key, value, quotaBytes, maxKeys);
    },
    delete: (_ns, key) => {
      kv.delete(namespace, key);
    },
    list: (_ns, prefix, limit) => kv.list(namespace, prefix, limit),
    usage: () => kv.usage(namespace),
    adopt: () => false,
    close: () => undefined,
  };
}
