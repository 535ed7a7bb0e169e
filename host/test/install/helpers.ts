import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach } from 'vitest';
import { createLocalRegistry, generateKeyPair, packPlugin, signPackage } from '@roku/registry';
import type { LocalRegistry, SigningKeyPair } from '@roku/registry';
import { createInstaller, createTrustStore, localArchiveSource } from '../../src/index.js';
import type { ArchiveSource, InstallChange, Installer, InstallerOptions } from '../../src/index.js';

const made: string[] = [];
afterEach(async () => {
  await Promise.all(made.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

/** A fresh temporary folder, removed after the current test. */
export async function tempDir(prefix = 'roku-install-'): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  made.push(dir);
  return dir;
}

export interface PluginOptions {
  readonly network?: string[];
  readonly dependencies?: Record<string, string>;
  /** Signing key; null publishes unsigned. The fixture's publisher by default. */
  readonly key?: SigningKeyPair | null;
}

export interface Fixture {
  readonly home: string;
  readonly registryDir: string;
  readonly registry: LocalRegistry;
  readonly publisher: SigningKeyPair;
  readonly changes: InstallChange[];
  /** Wraps the registry source, e.g. to make a fetch fail. */
  source: ArchiveSource;
  installer(options?: Partial<InstallerOptions>): Installer;
  publish(id: string, version: string, options?: PluginOptions): Promise<void>;
}

/** A temp ROKU_HOME, a local directory registry and a trusted publisher key. */
export async function setup(): Promise<Fixture> {
  const home = await tempDir('roku-home-');
  const registryDir = await tempDir('roku-reg-');
  const registry = createLocalRegistry(registryDir);
  const publisher = generateKeyPair();
  const trust = createTrustStore(home);
  await trust.addTrustedKey(publisher.publicKey);
  const changes: InstallChange[] = [];
  const fixture: Fixture = {
    home,
    registryDir,
    registry,
    publisher,
    changes,
    source: localArchiveSource(registry),
    installer: (options = {}) =>
      createInstaller({
        home,
        registries: [
          {
            name: 'local',
            scopes: [],
            source: {
              getDocument: (name) => fixture.source.getDocument(name),
              fetchArchive: (name, version) => fixture.source.fetchArchive(name, version),
            },
          },
        ],
        trust,
        hostApiVersion: '0.1.0',
        logger: pino({ level: 'silent' }),
        onChange: (change) => changes.push(change),
        ...options,
      }),
    async publish(id, version, options = {}) {
      const dir = await tempDir('roku-plugin-');
      const manifest = {
        manifestVersion: 1,
        id,
        version,
        description: `The ${id} plugin`,
        license: 'MIT',
        engines: { roku: '^0.1.0' },
        dependencies: options.dependencies ?? {},
        runtime: { type: 'isolate', entry: 'index.js' },
        contributes: {
          tools: [{ name: 'echo', description: 'Echoes.', inputSchema: { type: 'object' }, risk: ['read'] }],
        },
        permissions: { network: options.network ?? [] },
      };
      await writeFile(join(dir, 'roku.plugin.json'), JSON.stringify(manifest, null, 2));
      await writeFile(join(dir, 'index.js'), `export default { version: '${version}' };\n`);
      const packed = await packPlugin(dir);
      const key = options.key === undefined ? publisher : options.key;
      await registry.publish({
        manifest,
        archiveBytes: packed.bytes,
        integrity: packed.integrity,
        signatures: key === null ? [] : [signPackage(packed, key.privateKeyPem)],
      });
    },
  };
  return fixture;
}

export const grantAll = (): boolean => true;

/** Every file under `dir`, relative, sorted; [] when it does not exist. */
export async function filesUnder(dir: string): Promise<string[]> {
  try {
    const entries = await readdir(dir, { recursive: true, withFileTypes: true });
    return entries
      .filter((e) => e.isFile())
      .map((e) => join(e.parentPath, e.name).slice(dir.length + 1))
      .sort();
  } catch {
    return [];
  }
}

export async function ensureDir(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true });
}
