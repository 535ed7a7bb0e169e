import { readFile } from 'node:fs/promises';
import semver from 'semver';
import { RokuError } from '@roku/schemas';
import { parseIndexDocument } from '../index-doc/parse.js';
import type { IndexDocument, IndexVersion } from '../index-doc/types.js';
import { writeFileAtomic } from './atomic-write.js';
import { packagePaths } from './layout.js';

/** The index documents of a local registry folder: read, checked, written atomically, one change at a time. */
export interface IndexStore {
  readonly root: string;
  /** The plugin's index document, or undefined when the registry does not have the plugin. */
  readonly getDocument: (name: string) => Promise<IndexDocument | undefined>;
  /** The document and one version's entry. @throws ROKU_REGISTRY_NOT_FOUND */
  readonly requireVersion: (name: string, version: string) => Promise<[IndexDocument, IndexVersion]>;
  readonly save: (name: string, doc: IndexDocument) => Promise<void>;
  /** Runs `task` after every earlier change to the same plugin, so read-modify-writes never interleave. */
  readonly exclusive: <T>(name: string, task: () => Promise<T>) => Promise<T>;
}

export function notFound(message: string, details: Record<string, unknown>): RokuError {
  return new RokuError('ROKU_REGISTRY_NOT_FOUND', message, { details });
}

export function isMissing(err: unknown): boolean {
  return (err as { code?: unknown }).code === 'ENOENT';
}

/** The highest version that is neither yanked nor a prerelease. */
export function highestRelease(versions: Readonly<Record<string, IndexVersion>>): string | undefined {
  const releases = Object.keys(versions).filter(
    (v) => versions[v]?.yanked !== true && semver.prerelease(v) === null,
  );
  return semver.rsort(releases)[0];
}

function serialize(doc: IndexDocument): string {
  return `${JSON.stringify(doc, null, 2)}\n`;
}

export function createIndexStore(root: string): IndexStore {
  const queues = new Map<string, Promise<unknown>>();

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

  return {
    root,
    getDocument,
    requireVersion: async (name, version) => {
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
    },
    save: (name, doc) => writeFileAtomic(packagePaths(root, name).index, serialize(doc)),
    exclusive: <T>(name: string, task: () => Promise<T>): Promise<T> => {
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
    },
  };
}
