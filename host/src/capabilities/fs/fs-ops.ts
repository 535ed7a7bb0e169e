import { constants } from 'node:fs';
import type { Stats } from 'node:fs';
import { lstat, open, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { badRequest, denied, failed, overLimit } from '../policy.js';
import { fsError, resolveFsPath } from './fs-paths.js';
import type { FsContext, FsLocation } from './fs-paths.js';

/** Largest file `fs.read` returns, whatever outputBytes says: its base64 must fit a capability reply. */
export const MAX_FS_READ_BYTES = 6_000_000;
/** Largest number of entries `fs.list` returns. */
export const MAX_LIST_ENTRIES = 10_000;

export interface FsOpsContext extends FsContext {
  readonly outputBytes: number;
}

// O_NOFOLLOW refuses a symbolic link as the last component; O_NONBLOCK keeps a FIFO from blocking the open.
const READ_FLAGS = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK | constants.O_NOCTTY;
const WRITE_FLAGS =
  constants.O_WRONLY |
  constants.O_CREAT |
  constants.O_TRUNC |
  constants.O_NOFOLLOW |
  constants.O_NONBLOCK |
  constants.O_NOCTTY;

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

async function lstatOrUndefined(ctx: FsContext, path: string, display: string): Promise<Stats | undefined> {
  try {
    return await lstat(path);
  } catch (err) {
    if ((err as { code?: unknown }).code === 'ENOENT') return undefined;
    throw fsError(ctx.pluginId, display, err);
  }
}

function decode(ctx: FsContext, data: string, encoding: 'utf8' | 'base64'): Buffer {
  if (encoding === 'utf8') return Buffer.from(data, 'utf8');
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(data))
    throw badRequest(`${ctx.pluginId}: fs.write data is not valid base64`);
  return Buffer.from(data, 'base64');
}

/**
 * Reads a regular file under a grant, at most min(outputBytes, MAX_FS_READ_BYTES) bytes.
 *
 * @throws ROKU_CAPABILITY_DENIED (not granted, symlink escape, special file), ROKU_CAPABILITY_LIMIT (too large),
 *   ROKU_CAPABILITY_FAILED (missing, I/O)
 */
export async function readGrantedFile(
  ctx: FsOpsContext,
  args: { root: string; path: string; encoding: 'utf8' | 'base64' },
): Promise<{ data: string }> {
  const location = await resolveFsPath(ctx, args.root, args.path, { write: false, allowGrantFolder: false });
  const full = join(location.realParent, location.name ?? '');
  const before = await lstatOrUndefined(ctx, full, location.display);
  if (before === undefined) throw failed(`${ctx.pluginId}: ${location.display} does not exist`);
  refuseSpecial(ctx, location, before);
  if (before.isDirectory()) throw failed(`${ctx.pluginId}: ${location.display} is a directory`);
  const cap = Math.min(ctx.outputBytes, MAX_FS_READ_BYTES);
  let handle;
  try {
    handle = await open(full, READ_FLAGS);
  } catch (err) {
    throw fsError(ctx.pluginId, location.display, err);
  }
  try {
    const stats = await handle.stat();
    refuseSpecial(ctx, location, stats);
    if (!stats.isFile()) throw failed(`${ctx.pluginId}: ${location.display} is a directory`);
    if (stats.size > cap) {
      throw overLimit(
        `${ctx.pluginId}: ${location.display} is ${stats.size} bytes; the read limit is ${cap}`,
      );
    }
    // Read one byte more than allowed, in case the file grew since fstat.
    const buffer = Buffer.alloc(cap + 1);
    let length = 0;
    while (length < buffer.length) {
      const { bytesRead } = await handle.read(buffer, length, buffer.length - length, null);
      if (bytesRead === 0) break;
      length += bytesRead;
    }
    if (length > cap)
      throw overLimit(`${ctx.pluginId}: ${location.display} is larger than the read limit of ${cap} bytes`);
    const bytes = buffer.subarray(0, length);
    return { data: args.encoding === 'base64' ? bytes.toString('base64') : bytes.toString('utf8') };
  } finally {
    await handle.close();
  }
}

/**
 * Writes a regular file under a read-write grant, creating missing parent folders inside the grant.
 *
 * @throws ROKU_CAPABILITY_DENIED (not granted, read-only, symlink escape, special file), ROKU_CAPABILITY_FAILED
 */
export async function writeGrantedFile(
  ctx: FsOpsContext,
  args: { root: string; path: string; data: string; encoding: 'utf8' | 'base64' },
): Promise<null> {
  const bytes = decode(ctx, args.data, args.encoding);
  const location = await resolveFsPath(ctx, args.root, args.path, { write: true, allowGrantFolder: false });
  const full = join(location.realParent, location.name ?? '');
  const before = await lstatOrUndefined(ctx, full, location.display);
  if (before !== undefined) {
    refuseSpecial(ctx, location, before);
    if (before.isDirectory()) throw failed(`${ctx.pluginId}: ${location.display} is a directory`);
  }
  let handle;
  try {
    handle = await open(full, WRITE_FLAGS, 0o666);
  } catch (err) {
    throw fsError(ctx.pluginId, location.display, err);
  }
  try {
    refuseSpecial(ctx, location, await handle.stat());
    await handle.writeFile(bytes);
  } catch (err) {
    throw fsError(ctx.pluginId, location.display, err);
  } finally {
    await handle.close();
  }
  return null;
}

/**
 * Lists the files and folders of a folder under a grant; other entries (links, FIFOs, sockets, devices) are left out.
 *
 * @throws ROKU_CAPABILITY_DENIED, ROKU_CAPABILITY_LIMIT (more than MAX_LIST_ENTRIES), ROKU_CAPABILITY_FAILED
 */
export async function listGrantedFolder(
  ctx: FsOpsContext,
  args: { root: string; path: string },
): Promise<{ entries: { name: string; type: 'file' | 'dir' }[] }> {
  const location = await resolveFsPath(ctx, args.root, args.path, { write: false, allowGrantFolder: true });
  const full = location.name === null ? location.realBase : join(location.realParent, location.name);
  const stats = await lstatOrUndefined(ctx, full, location.display);
  if (stats === undefined) throw failed(`${ctx.pluginId}: ${location.display} does not exist`);
  refuseSpecial(ctx, location, stats);
  if (!stats.isDirectory()) throw failed(`${ctx.pluginId}: ${location.display} is not a directory`);
  let dirents;
  try {
    dirents = await readdir(full, { withFileTypes: true });
  } catch (err) {
    throw fsError(ctx.pluginId, location.display, err);
  }
  if (dirents.length > MAX_LIST_ENTRIES) {
    throw overLimit(`${ctx.pluginId}: ${location.display} has more than ${MAX_LIST_ENTRIES} entries`);
  }
  const entries = dirents
    .filter((d) => d.isFile() || d.isDirectory())
    .map((d) => ({ name: d.name, type: d.isDirectory() ? ('dir' as const) : ('file' as const) }))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return { entries };
}
