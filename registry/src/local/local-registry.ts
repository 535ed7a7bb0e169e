import { readdir, readFile } from 'node:fs/promises';
import { join, resolve as resolvePath, sep } from 'node:path';
import semver from 'semver';
import { RokuError, createManifestValidator, formatIssues } from '@roku/schemas';
import type { ManifestValidator } from '@roku/schemas';
import { parseIndexDocument, summarizeManifest } from '../index-doc/parse.js';
import type { IndexDocument, IndexSignature, IndexVersion } from '../index-doc/types.js';
import type { RegistrySource } from '../resolve/types.js';
import { writeFileAtomic } from './atomic-write.js';
import { computeIntegrity as integrityOf } from '../archive/integrity.js';
import { packagePaths } from './layout.js';

/** What `publish` takes: the manifest (validated here), the archive and its signatures. */
export interface PublishInput {
  readonly manifest: unknown;
  readonly archiveBytes: Uint8Array;
  /** `sha512-<base64>` of `archiveBytes`; checked against the bytes. */
  readonly integrity: string;
  readonly signatures: readonly IndexSignature[];
}

/** One search hit: the plugin and its latest version. */
export interface SearchHit {
  readonly name: string;
  readonly version: string;
  readonly description: string;
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

function notFound(message: string, details: Record<string, unknown>): RokuError {
  return new RokuError('ROKU_REGISTRY_NOT_FOUND', message, { details });
}

function isMissing(err: unknown): boolean {
  return (err as { code?: unknown }).code === 'ENOENT';
}

function highestRelease(versions: Readonly<Record<string, IndexVersion>>): string | undefined {
  const releases = Object.keys(versions).filter(
    (v) => versions[v]?.yanked !== true && semver.prerelease(v) === null,
  );
  return semver.rsort(releases)[0];
}

function serialize(doc: IndexDocument): string {
  return `${JSON.stringify(doc, null, 2)}\n`;
}

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
  const queues = new Map<string, Promise<unknown>>();
  let manifests: ManifestValidator | undefined;

  // Read-modify-write of one index.json must not interleave with another.
  const exclusive = <T>(name: string, task: () => Promise<T>): Promise<T> => {
    const previous = queues.get(name) ?? Promise.resolve();
    const next = previous.then(task, task);
    const settled = next.then(
      () => undefined,
      () => undefined,
    );
    queues.set(name, settled);
    void settled.then(() => {
      if (queues.get(name) === settled) queues.delete(name);
    });
    return next;
  };

  const getDocument = async (name: string): Promise<IndexDocument | undefined> => {
    const { index } = packagePaths(root, name);
    let text: string;
    try {
      text = await readFile(index, 'utf8');
    } catch (err) {
      if (isMissing(err)) return undefined;
      throw err;
    }
    return parseIndexDocument(text, index);
  };

  const requireVersion = async (name: string, version: string): Promise<[IndexDocument, IndexVersion]> => {
    const doc = await getDocument(name);
    if (doc === undefined) throw notFound(`${name} is not in the registry at ${root}`, { name, root });
    const entry = doc.versions[version];
    if (entry === undefined) {
      throw notFound(
        `${name}@${version} is not published; versions: ${Object.keys(doc.versions).join(', ')}`,
        {
          name,
          version,
          available: Object.keys(doc.versions),
        },
      );
    }
    return [doc, entry];
  };

  const save = (name: string, doc: IndexDocument): Promise<void> =>
    writeFileAtomic(packagePaths(root, name).index, serialize(doc));

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

    async search(text) {
      const needle = text.toLowerCase();
      const hits: SearchHit[] = [];
      const scopes = await readdir(root, { withFileTypes: true }).catch((err: unknown) => {
        if (isMissing(err)) return [];
        throw err;
      });
      for (const scope of scopes.filter((d) => d.isDirectory() && d.name.startsWith('@'))) {
        const names = await readdir(join(root, scope.name), { withFileTypes: true });
        for (const entry of names.filter((d) => d.isDirectory())) {
          const doc = await getDocument(`${scope.name}/${entry.name}`);
          const version =
            doc?.distTags.latest ?? (doc === undefined ? undefined : highestRelease(doc.versions));
          const summary = version === undefined ? undefined : doc?.versions[version]?.manifest;
          if (doc === undefined || version === undefined || summary === undefined) continue;
          const haystack = [doc.name, summary.description, ...Object.values(summary.contributes).flat()]
            .join('\n')
            .toLowerCase();
          if (haystack.includes(needle))
            hits.push({ name: doc.name, version, description: summary.description });
        }
      }
      return hits.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    },

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
