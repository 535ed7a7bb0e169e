import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { RokuError } from '@roku/schemas';
import { createHttpRegistrySource, createLocalRegistry } from '@roku/registry';
import { createInstaller, createTrustStore, localArchiveSource } from '@roku/host';
import type { InstallRegistry, Installer, Logger, TrustStore } from '@roku/host';
import { PLUGIN_API_VERSION } from '@roku/plugin-api';
import { cliConfig } from '../../config.js';
import type { CliIo } from '../../io.js';

/** The embedded registry's name in `list` output and installed state. */
export const DEFAULT_REGISTRY_NAME = 'default';

const HTTP_TIMEOUT_MS = 30_000;
const HTTP_RETRIES = 2;
const MAX_ARCHIVE_BYTES = 64 * 1024 * 1024;

/**
 * The CLI package's own `registry-data` (a release tarball carries it, scripts/pack-release.mjs), else
 * `<repo>/registry-data`, from `cli/{src,dist}/commands/lifecycle/`.
 */
function repoRegistryDir(): string {
  const packaged = fileURLToPath(new URL('../../../registry-data', import.meta.url));
  if (existsSync(packaged)) return packaged;
  return fileURLToPath(new URL('../../../../registry-data', import.meta.url));
}

/** The embedded local registry folder: ROKU_REGISTRY_DIR, else `<repo>/registry-data`. */
export function embeddedRegistryDir(io: CliIo): string {
  const fromEnv = io.env.ROKU_REGISTRY_DIR;
  return fromEnv !== undefined && fromEnv !== '' ? fromEnv : repoRegistryDir();
}

/**
 * The publisher keys the embedded registry ships in `trusted-keys.json`: it was built and signed together with
 * this installation, so its own key is trusted on top of the user's trust store.
 */
function embeddedKeys(io: CliIo): string[] {
  const file = join(embeddedRegistryDir(io), 'trusted-keys.json');
  if (!existsSync(file)) return [];
  try {
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as { keys?: unknown };
    return Array.isArray(parsed.keys) ? parsed.keys.filter((k): k is string => typeof k === 'string') : [];
  } catch {
    return [];
  }
}

function withEmbeddedKeys(store: TrustStore, keys: readonly string[]): TrustStore {
  return {
    listTrustedKeys: async () => [...new Set([...(await store.listTrustedKeys()), ...keys])],
    addTrustedKey: (key) => store.addTrustedKey(key),
  };
}

function embeddedRegistry(io: CliIo): InstallRegistry | undefined {
  const fromEnv = io.env.ROKU_REGISTRY_DIR;
  const dir = embeddedRegistryDir(io);
  if (fromEnv === undefined && !existsSync(dir)) return undefined;
  return {
    name: DEFAULT_REGISTRY_NAME,
    scopes: [],
    source: localArchiveSource(createLocalRegistry(join(dir))),
  };
}

interface ConfiguredRegistry {
  readonly name: string;
  readonly url: string;
  readonly scopes?: readonly string[];
  readonly indexKeys?: readonly string[];
}

function configuredRegistry(entry: ConfiguredRegistry): InstallRegistry {
  const scopes = entry.scopes ?? [];
  if (entry.url.startsWith('file:')) {
    const registry = createLocalRegistry(fileURLToPath(entry.url));
    return { name: entry.name, scopes, source: localArchiveSource(registry) };
  }
  const source = createHttpRegistrySource(entry.url, {
    timeoutMs: HTTP_TIMEOUT_MS,
    retries: HTTP_RETRIES,
    maxArchiveBytes: MAX_ARCHIVE_BYTES,
    indexKeys: entry.indexKeys ?? [],
  });
  return { name: entry.name, scopes, source };
}

/** The embedded local registry (first, the default) followed by the host config's `registries`. */
export function lifecycleRegistries(io: CliIo, configured: readonly ConfiguredRegistry[]): InstallRegistry[] {
  const embedded = embeddedRegistry(io);
  return [...(embedded === undefined ? [] : [embedded]), ...configured.map(configuredRegistry)];
}

/**
 * The installer for the ROKU_HOME the host config names.
 *
 * @throws ROKU_REGISTRY_NOT_FOUND when no registry is configured at all (only when `needsRegistry`).
 */
export function lifecycleInstaller(
  io: CliIo,
  logger: Logger,
  configFile: string | undefined,
  needsRegistry: boolean,
): Installer {
  const { config, home } = cliConfig(io, configFile);
  const registries = lifecycleRegistries(io, config.registries ?? []);
  if (needsRegistry && registries.length === 0) {
    throw new RokuError(
      'ROKU_REGISTRY_NOT_FOUND',
      'no plugin registry is configured: set ROKU_REGISTRY_DIR or add "registries" to the host config',
    );
  }
  return createInstaller({
    home,
    registries,
    trust: withEmbeddedKeys(createTrustStore(home), embeddedKeys(io)),
    hostApiVersion: PLUGIN_API_VERSION,
    logger,
  });
}
