import type { Stats } from 'node:fs';
import { badRequest, denied, failed, overLimit } from '../policy.js';
import { withFolder } from './fs-handles.js';
import type { HeldDir } from './fs-handles.js';
import { checkFsPath, ensureRoot, fsError, listPluginSkillsRoot } from './fs-paths.js';
import type { FsContext, FsLocation } from './fs-paths.js';
import type { FsQuota } from './fs-quota.js';

/** Largest file `fs.read` returns, whatever outputBytes says: its base64 must fit a capability reply. */
export const MAX_FS_READ_BYTES = 6_000_000;
/** Largest number of entries `fs.list` returns. */
export const MAX_LIST_ENTRIES = 10_000;

export interface FsOpsContext extends FsContext {
  readonly outputBytes: number;
  /** Bytes and files the plugin may hold per root; checked before a write is made visible. */
  readonly quota: FsQuota;
}

function kindOf(stats: Stats): string {
  if (stats.isSymbolicLink()) return 'a symbolic link';
  if (stats.isFIFO()) return 'a FIFO';
  if (stats.isSocket()) return 'a socket';
  if (stats.isBlockDevice() || stats.isCharacterDevice()) return 'a device';
  return 'not a regular file or directory';
}

function refuseSpecial(ctx: FsContext, location: FsLocation, stats: Stats): void {
  if (stats.isFile() || stats.isDirectory()) return;
  throw denied(`${ctx.pluginId}: filesystem access to ${location.display} denied: it is ${kindOf(stats)}`);
}

function decode(ctx: FsContext, data: string, encoding: 'utf8' | 'base64'): Buffer {
  if (encoding === 'utf8') return Buffer.from(data, 'utf8');
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(data))
    throw badRequest(`${ctx.pluginId}: fs.write data is not valid base64`);
  return Buffer.from(data, 'base64');
}

/** Opens the target's parent folder beneath the root (creating folders for writes) and hands it to `use`. */
async function inParent<T>(
  ctx: FsContext,
  location: FsLocation,
  create: boolean,
  use: (dir: HeldDir) => Promise<T>,
): Promise<T> {
  await ensureRoot(ctx, location);
  try {
    return await withFolder(location.rootPath, [...location.base, ...location.parent], create, use);
  } catch (err) {
    throw fsError(ctx.pluginId, location.display, err);
  }
}

async function readHandle(
  ctx: FsOpsContext,
  location: FsLocation,
  dir: HeldDir,
  name: string,
): Promise<Buffer> {
  const cap = Math.min(ctx.outputBytes, MAX_FS_READ_BYTES);
  const handle = await dir.openForRead(name);
  try {
    // Every check is on the opened handle: what was checked is what is read.
    const stats = await handle.stat();
    refuseSpecial(ctx, location, stats);
    if (!stats.isFile()) throw failed(`${ctx.pluginId}: ${location.display} is a directory`);
    if (stats.size > cap) {
      throw overLimit(
        `${ctx.pluginId}: ${location.display} is ${stats.size} bytes; the read limit is ${cap}`,
      );
    }
    // Sized by the file, not the cap: a zeroed buffer of the whole read limit (MBs) per read cost more than the
    // read. One byte more than fstat said shows a file that grew since; then it is read on, up to cap + 1.
    let buffer = Buffer.alloc(stats.size + 1);
    let length = 0;
    for (;;) {
      let eof = false;
      while (length < buffer.length) {
        const { bytesRead } = await handle.read(buffer, length, buffer.length - length, null);
        if (bytesRead === 0) {
          eof = true;
          break;
        }
        length += bytesRead;
      }
      if (eof || buffer.length > cap) break;
      const grown = Buffer.alloc(Math.min(cap + 1, buffer.length * 2));
      buffer.copy(grown, 0, 0, length);
      buffer = grown;
    }
    if (length > cap)
      throw overLimit(`${ctx.pluginId}: ${location.display} is larger than the read limit of ${cap} bytes`);
    return buffer.subarray(0, length);
  } finally {
    await handle.close();
  }
}

/**
 * Reads a regular file under a grant, at most min(outputBytes, MAX_FS_READ_BYTES) bytes. The file is opened
 * beneath the granted folder without following a symbolic link at any component.
 *
 * @throws ROKU_CAPABILITY_DENIED (not granted, symbolic link, special file), ROKU_CAPABILITY_LIMIT (too large),
 *   ROKU_CAPABILITY_FAILED (missing, I/O)
 */
export async function readGrantedFile(
  ctx: FsOpsContext,
  args: { root: string; path: string; encoding: 'utf8' | 'base64' },
): Promise<{ data: string }> {
  const location = checkFsPath(ctx, args.root, args.path, { write: false, allowGrantFolder: false });
  const name = location.name ?? '';
  const bytes = await inParent(ctx, location, false, (dir) => readHandle(ctx, location, dir, name));
  return { data: args.encoding === 'base64' ? bytes.toString('base64') : bytes.toString('utf8') };
}

/**
 * Writes a regular file under a read-write grant, creating missing parent folders inside the grant. The new
 * content goes to a fresh file that is renamed over the target, so links (symbolic or hard) are never written
 * through; an existing symbolic link or special file is refused.
 *
 * @throws ROKU_CAPABILITY_DENIED (not granted, read-only, symbolic link, special file),
 *   ROKU_CAPABILITY_QUOTA_EXCEEDED (limits.filesystemBytes / filesystemFiles), ROKU_CAPABILITY_FAILED
 */
export async function writeGrantedFile(
  ctx: FsOpsContext,
  args: { root: string; path: string; data: string; encoding: 'utf8' | 'base64' },
): Promise<null> {
  const bytes = decode(ctx, args.data, args.encoding);
  const location = checkFsPath(ctx, args.root, args.path, { write: true, allowGrantFolder: false });
  const name = location.name ?? '';
  await inParent(ctx, location, true, async (dir) => {
    const before = await dir.lstatEntry(name);
    if (before !== undefined) {
      refuseSpecial(ctx, location, before);
      if (before.isDirectory()) throw failed(`${ctx.pluginId}: ${location.display} is a directory`);
    }
    const previous = before === undefined ? undefined : before.size;
    await ctx.quota.write(location, previous, bytes.length, () => dir.replaceFile(name, bytes, before?.mode));
  });
  return null;
}

/**
 * Lists the files and folders of a folder under a grant; other entries (links, FIFOs, sockets, devices) are
 * left out. The folder is opened beneath the grant without following links and listed through its handle.
 *
 * @throws ROKU_CAPABILITY_DENIED, ROKU_CAPABILITY_LIMIT (more than MAX_LIST_ENTRIES), ROKU_CAPABILITY_FAILED
 */
export async function listGrantedFolder(
  ctx: FsOpsContext,
  args: { root: string; path: string },
): Promise<{ entries: { name: string; type: 'file' | 'dir' }[] }> {
  // The plugin-skills root is no folder of its own: the host lists the active plugins that ship skills.
  if (args.root === 'plugin-skills' && (args.path === '' || args.path === '.')) {
    return { entries: listPluginSkillsRoot(ctx) };
  }
  const location = checkFsPath(ctx, args.root, args.path, { write: false, allowGrantFolder: true });
  const segments = [...location.parent, ...(location.name === null ? [] : [location.name])];
  await ensureRoot(ctx, location);
  let dirents;
  try {
    dirents = await withFolder(location.rootPath, [...location.base, ...segments], false, (dir) =>
      dir.readdir(),
    );
  } catch (err) {
    throw fsError(ctx.pluginId, location.display, err);
  }
  if (dirents.length > MAX_LIST_ENTRIES) {
    throw overLimit(`${ctx.pluginId}: ${location.display} has more than ${MAX_LIST_ENTRIES} entries`);
  }
  const entries = dirents
    .filter((d) => d.isFile() || d.isDirectory())
    .filter((d) => !d.name.startsWith('.roku-write-'))
    .map((d) => ({ name: d.name, type: d.isDirectory() ? ('dir' as const) : ('file' as const) }))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return { entries };
}
