import { readFile } from 'node:fs/promises';
import { join, resolve as resolvePath, sep } from 'node:path';
import semver from 'semver';
import { RokuError, createManifestValidator, formatIssues } from '@roku/schemas';
import type { ManifestValidator } from '@roku/schemas';
import { parseIndexDocument, summarizeManifest } from '../index-doc/parse.js';
import type { IndexDocument, IndexSignature, IndexVersion } from '../index-doc/types.js';
import type { RegistrySource } from '../resolve/types.js';
import { writeFileAtomic } from './atomic-write.js';
import { createIndexStore, highestRelease, isMissing, notFound } from './index-store.js';
import { searchRegistry } from './search.js';
import type { SearchHit } from './search.js';
import { computeIntegrity as integrityOf } from '../archive/integrity.js';
import { packagePaths } from './layout.js';

export type { SearchHit } from './search.js';

/** What `publish` takes: the manifest (validated here), the archive and its signatures. */
export interface PublishInput {
  readonly manifest: unknown;
  readonly archiveBytes: Uint8Array;
  /** `sha512-<base64>` of `archiveBytes`; checked against the bytes. */
  readonly integrity: string;
  readonly signatures: readonly IndexSignature[];
}

/** A registry kept in a folder, laid out so any static web server can serve it. */
export interface LocalRegistry extends RegistrySource {
  readonly rootDir: string;
  /** The archive bytes of one version. @throws ROKU_REGISTRY_NOT_FOUND */
  readArchive(name: string, version: string): Promise<Uint8Array>;
  /** Plugins whose id, description or contribution names contain `text` (case-insensitive), by id. */
  search(text: string): Promise<SearchHit[]>;
  /** Adds a version. @throws ROKU_REGISTRY_VERSION_EXISTS, ROKU_REGISTRY_MANIFEST_INVALID, ROKU_REGISTRY_INTEGRITY */
  publish(input: PublishInput): Promise<IndexVersion>;
  /** Marks a version yanked; `latest` moves to the highest release left. @throws ROKU_REGISTRY_NOT_FOUND */
  yank(name: string, version: string): Promise<void>;
  /** Points a dist-tag at a published version. @throws ROKU_REGISTRY_NOT_FOUND */
  setDistTag(name: string, tag: string, version: string): Promise<void>;
}

export interface LocalRegistryOptions {
  /** Clock for `publishedAt`; the system clock by default. */
  readonly now?: () => Date;
}

const TAG = /^[a-z][a-z0-9._-]{0,63}$/;

/**
 * Opens (or starts) a local directory registry. Layout: `<root>/@scope/name/index.json` and
 * `<root>/@scope/name/-/name-<version>.tgz`; every file is written atomically. Changes to one plugin are
 * serialized within this process; separate processes publishing the same plugin at once are not coordinated.
 *
 * @example
 * const registry = createLocalRegistry('/srv/roku');
 * await registry.publish({ manifest, archiveBytes, integrity: integrityOf(archiveBytes), signatures: [] });
 */
export function createLocalRegistry(rootDir: string, options: LocalRegistryOptions = {}): LocalRegistry {
  const root = resolvePath(rootDir);
  const now = options.now ?? (() => new Date());
  let manifests: ManifestValidator | undefined;
  const store = createIndexStore(root);
  const { getDocument, requireVersion, save, exclusive } = store;

  return {
    rootDir: root,
    getDocument,

    async readArchive(name, version) {
      const [, entry] = await requireVersion(name, version);
      const { dir } = packagePaths(root, name);
      const file = resolvePath(dir, entry.archive);
      if (!file.startsWith(dir + sep)) {
        throw notFound(`${name}@${version}: archive '${entry.archive}' is outside the plugin folder`, {
          name,
          version,
        });
      }
      try {
        return new Uint8Array(await readFile(file));
      } catch (err) {
        if (isMissing(err))
          throw notFound(`${name}@${version}: archive ${file} is missing`, { name, version });
        throw err;
      }
    },

    search: (text) => searchRegistry(store, text),

    async publish(input) {
      manifests ??= createManifestValidator();
      const checked = manifests.validate(input.manifest);
      if (!checked.ok) {
        throw new RokuError(
          'ROKU_REGISTRY_MANIFEST_INVALID',
          formatIssues('manifest', checked.issues).join('; '),
          {
            details: { issues: checked.issues },
          },
        );
      }
      const manifest = checked.value;
      const actual = integrityOf(input.archiveBytes);
      if (actual !== input.integrity) {
        throw new RokuError(
          'ROKU_REGISTRY_INTEGRITY',
          `${manifest.id}@${manifest.version}: integrity ${input.integrity} does not match the archive (${actual})`,
          { details: { expected: input.integrity, actual } },
        );
      }
      return exclusive(manifest.id, async () => {
        const doc = (await getDocument(manifest.id)) ?? { name: manifest.id, versions: {}, distTags: {} };
        if (manifest.version in doc.versions) {
          throw new RokuError(
            'ROKU_REGISTRY_VERSION_EXISTS',
            `${manifest.id}@${manifest.version} is already published; versions are immutable, publish a new version`,
            { details: { name: manifest.id, version: manifest.version } },
          );
        }
        const paths = packagePaths(root, manifest.id);
        const entry: IndexVersion = {
          integrity: actual,
          archive: paths.archiveRef(manifest.version),
          signatures: input.signatures.map((s) => ({ keyId: s.keyId, signature: s.signature })),
          manifest: summarizeManifest(manifest),
          publishedAt: now().toISOString(),
        };
        const versions = { ...doc.versions, [manifest.version]: entry };
        const latest = doc.distTags.latest;
        const isNewLatest =
          semver.prerelease(manifest.version) === null &&
          (latest === undefined || semver.gt(manifest.version, latest));
        const next: IndexDocument = {
          name: manifest.id,
          versions,
          distTags: isNewLatest ? { ...doc.distTags, latest: manifest.version } : doc.distTags,
        };
        // Validate before writing anything, so a bad document never reaches the disk.
        parseIndexDocument(next, paths.index);
        // The archive goes first: an index entry never points at a missing file.
        await writeFileAtomic(join(paths.dir, entry.archive), input.archiveBytes);
        await save(manifest.id, next);
        return entry;
      });
    },

    yank(name, version) {
      return exclusive(name, async () => {
        const [doc, entry] = await requireVersion(name, version);
        const versions = { ...doc.versions, [version]: { ...entry, yanked: true } };
        const distTags: Record<string, string> = { ...doc.distTags };
        if (distTags.latest === version) {
          const fallback = highestRelease(versions);
          if (fallback === undefined) delete distTags.latest;
          else distTags.latest = fallback;
        }
        await save(name, { name, versions, distTags });
      });
    },

    setDistTag(name, tag, version) {
      if (!TAG.test(tag)) {
        return Promise.reject(
          new RokuError('ROKU_REGISTRY_BAD_SPEC', `'${tag}' is not a dist-tag (lowercase letter first)`, {
            details: { spec: tag },
          }),
        );
      }
      return exclusive(name, async () => {
        const [doc] = await requireVersion(name, version);
        await save(name, { ...doc, distTags: { ...doc.distTags, [tag]: version } });
      });
    },
  };
}
