import type { Dirent } from 'node:fs';
import { lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { RokuError } from '@roku/schemas';
import type { FsRootName } from '../policy.js';
import type { FsLocation } from './fs-paths.js';

/** Bytes and regular files the plugin holds in one root (or has added to the workspace). */
interface Usage {
  bytes: number;
  files: number;
}

/**
 * What one plugin holds per filesystem root, shared by every loaded version of that plugin in a host. Its own
 * roots (data, cache, temp) are measured once on first write and then kept up to date by the writes; the
 * workspace is the user's, so only what the plugin adds to it while the host runs is counted.
 */
export interface FsUsageLedger {
  /** Runs `fn` with the usage of `pluginId`'s `root`, one at a time per root, measuring it first if needed. */
  withUsage<T>(
    key: { pluginId: string; root: FsRootName; rootPath: string },
    fn: (usage: Usage) => Promise<T>,
  ): Promise<T>;
}

/** A ledger for one host; pass the same one to every broker so two versions of a plugin share a quota. */
export function createFsUsageLedger(): FsUsageLedger {
  const usages = new Map<string, { usage: Promise<Usage>; tail: Promise<unknown> }>();
  return {
    withUsage(key, fn) {
      const id = `${key.pluginId}\0${key.root}\0${key.rootPath}`;
      let entry = usages.get(id);
      if (entry === undefined) {
        const usage =
          key.root === 'workspace' ? Promise.resolve({ bytes: 0, files: 0 }) : measure(key.rootPath);
        entry = { usage, tail: Promise.resolve() };
        usages.set(id, entry);
      }
      const current = entry;
      const run = current.tail.then(async () => fn(await current.usage));
      current.tail = run.catch(() => undefined);
      return run;
    },
  };
}

const TEMP_PREFIX = '.roku-write-';

/** Sums regular files below `root` without following links (a missing root holds nothing). */
async function measure(root: string): Promise<Usage> {
  const usage: Usage = { bytes: 0, files: 0 };
  let entries: Dirent[];
  try {
    entries = await readdir(root, { withFileTypes: true, recursive: true });
  } catch (err) {
    if ((err as { code?: unknown }).code === 'ENOENT') return usage;
    throw err;
  }
  for (const entry of entries) {
    if (!entry.isFile() || entry.name.startsWith(TEMP_PREFIX)) continue;
    try {
      usage.bytes += (await lstat(join(entry.parentPath, entry.name))).size;
      usage.files += 1;
    } catch {
      // removed while measuring
    }
  }
  return usage;
}

export interface FsQuotaLimits {
  readonly bytes: number;
  readonly files: number;
}

/** The quota check every write goes through. */
export interface FsQuota {
  /**
   * Checks that replacing a file of `previousBytes` (undefined: a new file) with `newBytes` keeps the root
   * within its limits, then runs `commit` and records the change. A write that does not grow usage is always
   * allowed, so a plugin over its quota (after the user lowered it) can still shrink what it holds.
   *
   * @throws ROKU_CAPABILITY_QUOTA_EXCEEDED
   */
  write(
    location: FsLocation,
    previousBytes: number | undefined,
    newBytes: number,
    commit: () => Promise<void>,
  ): Promise<void>;
}

export function createFsQuota(pluginId: string, ledger: FsUsageLedger, limits: () => FsQuotaLimits): FsQuota {
  return {
    write(location, previousBytes, newBytes, commit) {
      const key = { pluginId, root: location.root, rootPath: location.rootPath };
      return ledger.withUsage(key, async (usage) => {
        const { bytes: maxBytes, files: maxFiles } = limits();
        const addBytes = newBytes - (previousBytes ?? 0);
        const addFiles = previousBytes === undefined ? 1 : 0;
        const scope =
          location.root === 'workspace' ? 'added to the workspace' : `in the ${location.root} root`;
        if (addBytes > 0 && usage.bytes + addBytes > maxBytes) {
          throw new RokuError(
            'ROKU_CAPABILITY_QUOTA_EXCEEDED',
            `${pluginId}: writing ${location.display} would make ${usage.bytes + addBytes} bytes ${scope}; limits.filesystemBytes is ${maxBytes}`,
            { details: { limit: 'filesystemBytes', max: maxBytes, used: usage.bytes, root: location.root } },
          );
        }
        if (addFiles > 0 && usage.files + addFiles > maxFiles) {
          throw new RokuError(
            'ROKU_CAPABILITY_QUOTA_EXCEEDED',
            `${pluginId}: writing ${location.display} would make ${usage.files + addFiles} files ${scope}; limits.filesystemFiles is ${maxFiles}`,
            { details: { limit: 'filesystemFiles', max: maxFiles, used: usage.files, root: location.root } },
          );
        }
        await commit();
        usage.bytes += addBytes;
        usage.files += addFiles;
      });
    },
  };
}
