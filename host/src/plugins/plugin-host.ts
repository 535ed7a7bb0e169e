import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RokuError, createManifestValidator, formatIssues } from '@roku/schemas';
import type { PluginManifest } from '@roku/schemas';
import type { Logger } from 'pino';
import {
  createCapabilityBroker,
  createCapabilityLedgers,
  createKvStore,
  createSqlDatabases,
} from '../capabilities/index.js';
import type { BrokerServices, KvStore, LookupFunction, PluginUserGrants } from '../capabilities/index.js';
import type { Sandbox } from '../sandbox/loaded-sandbox.js';
import type { SandboxCeilings } from '../sandbox/limits.js';
import type { SandboxMetrics } from '../sandbox/metrics.js';
import type { QuarantineEntry } from '../sandbox/quarantine.js';
import { createSandboxManager } from '../sandbox/sandbox-manager.js';
import type { SandboxManager } from '../sandbox/sandbox-manager.js';
import { readPluginManifest } from './plugin-folder.js';
import { adoptLegacyStorage, openLegacyAdoption, scopedKv, storageIdentity } from './storage-identity.js';
import type { StorageIdentity } from './storage-identity.js';

export interface PluginHostOptions {
  readonly logger: Logger;
  /** ROKU_HOME: plugin data, cache and key-value storage live under it. */
  readonly home: string;
  /** The user's working directory: the `workspace` filesystem root. */
  readonly workspace: string;
  readonly ceilings?: SandboxCeilings;
  readonly metrics?: SandboxMetrics;
  /** Where granted env variables and secrets are read from (default: process.env). */
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly services?: BrokerServices;
  /** DNS lookup used by the network guard (injectable for tests). */
  readonly lookup?: LookupFunction;
  /** Told when a plugin is quarantined (the agent runtime falls its slots back and reloads). */
  readonly onQuarantine?: (entry: QuarantineEntry) => void;
  /** The user's grants per plugin (`plugins.grants` of the current host config), asked on every request. */
  readonly grants?: (pluginId: string) => PluginUserGrants | undefined;
  /** Skills folders of the active plugins by `@scope+name` (the plugin-skills root), asked on every request. */
  readonly pluginSkills?: () => ReadonlyMap<string, string>;
}

export interface LoadOptions {
  /** Replaces the manifest's permissions (tests and `roku plugin dev` grant a controlled set). */
  readonly permissions?: PluginManifest['permissions'];
  /** The user's grants for this load (loopback origins, limit overrides), instead of `options.grants`. */
  readonly grants?: PluginUserGrants;
  /**
   * The publisher key an installed plugin is bound to: its storage belongs to id + key (storage-identity.ts).
   * Dev and bundled plugins have none.
   */
  readonly publisherKey?: string;
}

export interface PluginHost {
  readonly sandboxes: SandboxManager;
  /** The user's working directory (the plugins' `workspace` root). */
  readonly workspace: string;
  /** Validates a plugin folder's manifest and loads its code into a sandbox. */
  loadFolder(dir: string, options?: LoadOptions): Promise<Sandbox>;
  close(): Promise<void>;
}

/** Puts manifests, sandboxes and host-side capability checks together. */
export function createPluginHost(options: PluginHostOptions): PluginHost {
  // The sandbox compiles the tool schemas at load; compiling them during validation too would double the cost.
  const validator = createManifestValidator({ compilePluginSchemas: false });
  const env = options.env ?? process.env;
  const stateDir = join(options.home, 'state');
  mkdirSync(stateDir, { recursive: true });
  const kv: KvStore = createKvStore(join(stateDir, 'plugin-kv.db'));
  const adoptLegacy = openLegacyAdoption(stateDir);
  const ledgers = createCapabilityLedgers();
  // Outside plugin-data/: the fs capability cannot write the database file underneath SQLite.
  const sql = createSqlDatabases(join(options.home, 'plugin-sql'), options.logger);
  // Grants given to one load (tests, dev mode) travel with its manifest object to the broker.
  const loadGrants = new WeakMap<PluginManifest, PluginUserGrants>();
  const identities = new WeakMap<PluginManifest, StorageIdentity>();
  const dataDir = (dirName: string): string => join(options.home, 'plugin-data', dirName);
  const cacheDir = (dirName: string): string => join(options.home, 'cache', 'plugins', dirName);
  const sandboxes = createSandboxManager({
    logger: options.logger,
    ...(options.ceilings === undefined ? {} : { ceilings: options.ceilings }),
    ...(options.metrics === undefined ? {} : { metrics: options.metrics }),
    ...(options.onQuarantine === undefined ? {} : { onQuarantine: options.onQuarantine }),
    userGrants: (manifest) => loadGrants.get(manifest) ?? options.grants?.(manifest.id),
    codeCacheDir: join(options.home, 'cache', 'code'),
    capabilities: ({ manifest, pluginKey }) => {
      const identity = identities.get(manifest) ?? storageIdentity(manifest.id, undefined);
      const { dirName } = identity;
      return createCapabilityBroker({
        manifest,
        pluginKey,
        roots: {
          workspace: options.workspace,
          data: dataDir(dirName),
          cache: cacheDir(dirName),
          temp: join(tmpdir(), 'roku-plugins', dirName),
          skills: join(options.home, 'skills'),
          ...(options.pluginSkills === undefined ? {} : { pluginSkills: options.pluginSkills }),
          home: options.home,
        },
        env,
        secrets: env,
        kv: scopedKv(kv, identity.namespace),
        sql: (maxBytes) => sql.database(dirName, maxBytes),
        ledgers,
        grants: () => loadGrants.get(manifest) ?? options.grants?.(manifest.id),
        logger: options.logger,
        ...(options.services === undefined ? {} : { services: options.services }),
        ...(options.lookup === undefined ? {} : { lookup: options.lookup }),
      });
    },
  });
  return {
    sandboxes,
    workspace: options.workspace,
    async loadFolder(dir, loadOptions = {}) {
      let manifest = readPluginManifest(dir, validator);
      if (loadOptions.permissions !== undefined) {
        const result = validator.validate({ ...manifest, permissions: loadOptions.permissions });
        if (!result.ok) {
          throw new RokuError(
            'ROKU_PLUGIN_MANIFEST_INVALID',
            formatIssues(`${dir} (granted permissions)`, result.issues).join('\n'),
            {
              details: { issues: result.issues },
            },
          );
        }
        manifest = result.value;
      }
      if (loadOptions.grants !== undefined) loadGrants.set(manifest, loadOptions.grants);
      const identity = storageIdentity(manifest.id, loadOptions.publisherKey);
      if (adoptLegacy && identity.legacy !== undefined) {
        adoptLegacyStorage(kv, identity, [
          { legacyDir: dataDir(identity.legacy.dirName), dir: dataDir(identity.dirName) },
          { legacyDir: cacheDir(identity.legacy.dirName), dir: cacheDir(identity.dirName) },
        ]);
      }
      identities.set(manifest, identity);
      return sandboxes.load({ manifest, dir });
    },
    async close() {
      await sandboxes.stop();
      kv.close();
      sql.close();
    },
  };
}
