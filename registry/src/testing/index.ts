import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { packPlugin } from '../archive/pack.js';
import { createLocalRegistry } from '../local/local-registry.js';
import type { LocalRegistry } from '../local/local-registry.js';
import { generateKeyPair } from '../signing/keys.js';
import type { SigningKeyPair } from '../signing/keys.js';
import { signPackage } from '../signing/signature.js';

export interface FixtureManifestOptions {
  /** `engines.roku` (default `^0.1.0`). */
  readonly engines?: string;
  readonly dependencies?: Readonly<Record<string, string>>;
  readonly description?: string;
  /** `permissions.network` (default none). */
  readonly network?: readonly string[];
  /** `permissions.secrets` (left out by default). */
  readonly secrets?: readonly string[];
}

/**
 * A minimal valid plugin manifest: an isolate plugin (entry `index.js`) with one read-only tool `echo`.
 *
 * @example
 * fixtureManifest('@acme/weather', '1.0.0', { network: ['https://api.example.com'] })
 */
export function fixtureManifest(
  id: string,
  version: string,
  options: FixtureManifestOptions = {},
): Record<string, unknown> {
  return {
    manifestVersion: 1,
    id,
    version,
    description: options.description ?? `The ${id} plugin`,
    license: 'MIT',
    engines: { roku: options.engines ?? '^0.1.0' },
    dependencies: options.dependencies ?? {},
    runtime: { type: 'isolate', entry: 'index.js' },
    contributes: {
      tools: [{ name: 'echo', description: 'Echoes.', inputSchema: { type: 'object' }, risk: ['read'] }],
    },
    permissions: {
      network: options.network ?? [],
      ...(options.secrets === undefined ? {} : { secrets: options.secrets }),
    },
  };
}

export interface FixturePublishOptions extends FixtureManifestOptions {
  /** The signing key; `null` publishes unsigned. The fixture's publisher by default. */
  readonly key?: SigningKeyPair | null;
  /** Extra files packed beside the manifest, by relative name (e.g. a key rotation statement). */
  readonly files?: Readonly<Record<string, string>>;
}

export interface FixtureRegistry {
  readonly dir: string;
  readonly registry: LocalRegistry;
  /** The key `publish` signs with unless told otherwise; trust its `publicKey` to install. */
  readonly publisher: SigningKeyPair;
  /** Packs and publishes a real archive of a `fixtureManifest` plugin (its index.js exports the version). */
  readonly publish: (id: string, version: string, options?: FixturePublishOptions) => Promise<void>;
}

/**
 * A local directory registry in `dir` (made if missing) with a fresh publisher key, for tests of installs,
 * updates and resolution. Nothing is trusted: the caller adds `publisher.publicKey` to its trust store.
 *
 * @example
 * const fixture = createFixtureRegistry(tempDir('registry'));
 * await fixture.publish('@acme/weather', '1.0.0');
 */
export function createFixtureRegistry(dir: string): FixtureRegistry {
  const registry = createLocalRegistry(dir);
  const publisher = generateKeyPair();
  return {
    dir,
    registry,
    publisher,
    async publish(id, version, options = {}) {
      const manifest = fixtureManifest(id, version, options);
      const source = await mkdtemp(join(tmpdir(), 'roku-fixture-plugin-'));
      try {
        await writeFile(join(source, 'roku.plugin.json'), JSON.stringify(manifest, null, 2));
        await writeFile(join(source, 'index.js'), `export default { version: '${version}' };\n`);
        for (const [name, text] of Object.entries(options.files ?? {}))
          await writeFile(join(source, name), text);
        const packed = await packPlugin(source);
        const key = options.key === undefined ? publisher : options.key;
        await registry.publish({
          manifest,
          archiveBytes: packed.bytes,
          integrity: packed.integrity,
          signatures: key === null ? [] : [signPackage(packed, key.privateKeyPem)],
        });
      } finally {
        await rm(source, { recursive: true, force: true });
      }
    },
  };
}
