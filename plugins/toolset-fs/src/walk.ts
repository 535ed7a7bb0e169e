import type { PluginContext } from '@roku/plugin-api';

/** Folders glob and grep skip unless asked to include them: version control and installed packages. */
export const IGNORED_FOLDERS: ReadonlySet<string> = new Set(['.git', 'node_modules']);

export interface WalkOptions {
  /** Walk into .git and node_modules too. */
  readonly includeIgnored: boolean;
  /** Most entries (files and folders) looked at; the walk stops there and says so. */
  readonly maxEntries: number;
  /** Folder listings in flight at once (each is one capability request). */
  readonly concurrency?: number;
}

export interface WalkResult {
  /** Workspace-relative paths of the files found, in code-unit order. */
  readonly files: string[];
  /** Entries looked at. */
  readonly scanned: number;
  /** Whether the walk stopped at maxEntries. */
  readonly truncated: boolean;
  /** Folders that could not be listed (too many entries, vanished), with the host's reason. */
  readonly skipped: { path: string; reason: string }[];
}

const join = (folder: string, name: string): string => (folder === '' ? name : `${folder}/${name}`);

/**
 * Lists the files below a workspace folder through `ctx.fs.list`: the host lists only files and folders and never
 * follows a symbolic link, so the walk cannot leave the workspace.
 */
export async function walkFiles(ctx: PluginContext, root: string, options: WalkOptions): Promise<WalkResult> {
  const files: string[] = [];
  const skipped: { path: string; reason: string }[] = [];
  const queue: string[] = [];
  let scanned = 0;
  const state = { truncated: false };
  const concurrency = options.concurrency ?? 8;

  const visit = async (folder: string): Promise<void> => {
    let entries;
    try {
      entries = await ctx.fs.list('workspace', folder);
    } catch (err) {
      if (folder === root) throw err;
      skipped.push({ path: folder, reason: (err as Error).message });
      return;
    }
    for (const entry of entries) {
      if (scanned >= options.maxEntries) {
        state.truncated = true;
        return;
      }
      scanned += 1;
      const path = join(folder, entry.name);
      if (entry.type === 'file') files.push(path);
      else if (options.includeIgnored || !IGNORED_FOLDERS.has(entry.name)) queue.push(path);
    }
  };

  // Level by level: every folder of a level is listed, a few at a time, before the next level starts.
  let level: string[] = [root];
  while (level.length > 0 && !state.truncated) {
    queue.length = 0;
    await forEachLimited(level, concurrency, visit, () => state.truncated);
    level = [...queue].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  }
  files.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return { files, scanned, truncated: state.truncated, skipped };
}

/**
 * Runs `work` over `items` with at most `limit` in flight, in order of the items; stops early when `stop` says so.
 */
export async function forEachLimited<T>(
  items: readonly T[],
  limit: number,
  work: (item: T, index: number) => Promise<void>,
  stop: () => boolean,
): Promise<void> {
  let next = 0;
  const runners = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length && !stop()) {
      const index = next;
      next += 1;
      await work(items[index] as T, index);
    }
  });
  await Promise.all(runners);
}
