import { mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { pino } from 'pino';
import { tempDir } from '@roku/test-support';
import type { LocalRegistry, SigningKeyPair } from '@roku/registry';
import { createFixtureRegistry } from '@roku/registry/testing';
import type { FixturePublishOptions } from '@roku/registry/testing';
import { createInstaller, createTrustStore, localArchiveSource } from '../../src/index.js';
import type { ArchiveSource, InstallChange, Installer, InstallerOptions } from '../../src/index.js';

export interface Fixture {
  readonly home: string;
  readonly registryDir: string;
  readonly registry: LocalRegistry;
  readonly publisher: SigningKeyPair;
  readonly changes: InstallChange[];
  /** Wraps the registry source, e.g. to make a fetch fail. */
  source: ArchiveSource;
  installer(options?: Partial<InstallerOptions>): Installer;
  publish(id: string, version: string, options?: FixturePublishOptions): Promise<void>;
}

/** A temp ROKU_HOME, a fixture registry (`@roku/registry/testing`) and its publisher key, trusted. */
export async function setup(): Promise<Fixture> {
  const home = tempDir('install-home');
  const {
    dir: registryDir,
    registry,
    publisher,
    publish,
  } = createFixtureRegistry(tempDir('install-registry'));
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
    publish,
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
