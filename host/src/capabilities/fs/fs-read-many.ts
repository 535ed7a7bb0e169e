import { closeSync, fstatSync, readSync } from 'node:fs';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { isRokuError } from '@roku/schemas';
import { MAX_CAPABILITY_MESSAGE_BYTES } from '../../sandbox/protocol.js';
import { badRequest, overLimit, quote } from '../policy.js';
import { componentProblem, withFolder } from './fs-handles.js';
import type { HeldDir } from './fs-handles.js';
import { MAX_FS_READ_BYTES } from './fs-ops.js';
import type { FsOpsContext } from './fs-ops.js';
import { checkFsPath, ensureRoot, fsError } from './fs-paths.js';

/** Most names one `fs.readMany` may ask for. */
export const MAX_READ_MANY_NAMES = 1000;
/** Files of one request opened at once (each open and read is a few thread-pool hops). */
const READ_PARALLEL = 8;
/**
 * Files up to this size are opened, checked and read with synchronous calls: for a folder of small source files
 * (grep), four promise round trips through the thread pool per file cost more than the reads. Larger files, and
 * anything that is not a regular file, go the asynchronous way.
 */
const SYNC_READ_BYTES = 256 * 1024;
/** Synchronous reads run at most this long before the event loop gets a turn. */
const SYNC_SLICE_MS = 4;
/** Reply bytes kept for the JSON around the file contents. */
const REPLY_MARGIN = 64 * 1024;

export type ReadManyEntry =
  | { readonly name: string; readonly data: string }
  | { readonly name: string; readonly error: { readonly code: string; readonly message: string } };

/**
 * One small regular file beneath the held folder, read synchronously; undefined when it is not a regular file of
 * at most SYNC_READ_BYTES (then `readOne` reads it and says why not).
 */
function readSmallSync(
  ctx: FsOpsContext,
  dir: HeldDir,
  display: string,
  name: string,
  cap: number,
): Buffer | undefined {
  let fd: number;
  try {
    fd = dir.openForReadSync(name);
  } catch (err) {
    throw fsError(ctx.pluginId, display, err);
  }
  let buffer: Buffer;
  let length = 0;
  try {
    const stats = fstatSync(fd);
    if (!stats.isFile() || stats.size > Math.min(cap, SYNC_READ_BYTES)) return undefined;
    // One byte more than fstat said: a file that grew since is cut there, as readOne does.
    buffer = Buffer.alloc(stats.size + 1);
    while (length < buffer.length) {
      const bytesRead = readSync(fd, buffer, length, buffer.length - length, null);
      if (bytesRead === 0) break;
      length += bytesRead;
    }
  } catch (err) {
    throw fsError(ctx.pluginId, display, err);
  } finally {
    closeSync(fd);
  }
  if (length > cap)
    throw overLimit(`${ctx.pluginId}: ${display} is larger than the read limit of ${cap} bytes`);
  return buffer.subarray(0, length);
}

/** One file beneath the held folder: its bytes, or why not (a link, not a file, too large, gone). */
async function readOne(
  ctx: FsOpsContext,
  dir: HeldDir,
  display: string,
  name: string,
  cap: number,
): Promise<Buffer> {
  let handle;
  try {
    handle = await dir.openForRead(name);
  } catch (err) {
    throw fsError(ctx.pluginId, display, err);
  }
  try {
    // Checked on the opened handle: what was checked is what is read.
    const stats = await handle.stat();
    if (!stats.isFile())
      throw fsError(ctx.pluginId, display, { code: stats.isDirectory() ? 'EISDIR' : 'ENXIO' });
    if (stats.size > cap)
      throw overLimit(`${ctx.pluginId}: ${display} is ${stats.size} bytes; the read limit is ${cap}`);
    const buffer = Buffer.alloc(stats.size + 1);
    let length = 0;
    while (length < buffer.length) {
      const { bytesRead } = await handle.read(buffer, length, buffer.length - length, null);
      if (bytesRead === 0) break;
      length += bytesRead;
    }
    if (length > cap)
      throw overLimit(`${ctx.pluginId}: ${display} is larger than the read limit of ${cap} bytes`);
    return buffer.subarray(0, length);
  } finally {
    await handle.close();
  }
}

/**
 * Reads many regular files of one folder under a grant, as base64: the folder is walked to once (without
 * following links, like `fs.read`) and every name is opened beneath it with O_NOFOLLOW. Each file succeeds or
 * fails on its own; names left over when the reply would pass the capability message size are returned in
 * `rest`, to ask for again.
 *
 * @throws ROKU_CAPABILITY_DENIED (folder not granted, a link on the way), ROKU_CAPABILITY_BAD_REQUEST,
 *   ROKU_CAPABILITY_FAILED (folder missing)
 */
export async function readManyGrantedFiles(
  ctx: FsOpsContext,
  args: { root: string; path: string; names: unknown[] },
): Promise<{ files: ReadManyEntry[]; rest: string[] }> {
  if (args.names.length > MAX_READ_MANY_NAMES) {
    throw badRequest(`${ctx.pluginId}: fs.readMany asks for more than ${MAX_READ_MANY_NAMES} names`);
  }
  const names: string[] = [];
  for (const name of args.names) {
    const problem = typeof name === 'string' ? componentProblem(name) : 'is not a string';
    if (problem !== undefined) {
      throw badRequest(
        `${ctx.pluginId}: fs.readMany name ${quote(String(name))} ${problem}: give file names, not paths`,
      );
    }
    names.push(name as string);
  }
  const location = checkFsPath(ctx, args.root, args.path, { write: false, allowGrantFolder: true });
  const segments = [...location.parent, ...(location.name === null ? [] : [location.name])];
  const cap = Math.min(ctx.outputBytes, MAX_FS_READ_BYTES);
  const budget = MAX_CAPABILITY_MESSAGE_BYTES - REPLY_MARGIN;
  const prefix = args.path === '' ? '' : `${args.path.replace(/\/+$/, '')}/`;
  await ensureRoot(ctx, location);
  const results = new Map<string, ReadManyEntry>();
  let used = 0;
  let full = false;
  try {
    await withFolder(location.rootPath, [...location.base, ...segments], false, async (dir) => {
      let next = 0;
      let slice = performance.now();
      const worker = async (): Promise<void> => {
        while (next < names.length && !full) {
          const name = names[next] ?? '';
          next += 1;
          const display = `${location.root}:${quote(prefix + name)}`;
          if (performance.now() - slice > SYNC_SLICE_MS) {
            await nextTurn();
            slice = performance.now();
          }
          try {
            const bytes =
              readSmallSync(ctx, dir, display, name, cap) ?? (await readOne(ctx, dir, display, name, cap));
            // base64 grows 4/3; a file that does not fit waits for the next request.
            const size = Math.ceil(bytes.length / 3) * 4 + name.length + 32;
            if (used + size > budget && results.size > 0) {
              full = true;
              return;
            }
            used += size;
            results.set(name, { name, data: bytes.toString('base64') });
          } catch (err) {
            const error = isRokuError(err) ? err : fsError(ctx.pluginId, display, err);
            const code = (error as { code?: unknown }).code;
            results.set(name, {
              name,
              error: {
                code: typeof code === 'string' ? code : 'ROKU_CAPABILITY_FAILED',
                message: error.message,
              },
            });
          }
        }
      };
      await Promise.all(Array.from({ length: Math.min(READ_PARALLEL, names.length) }, worker));
    });
  } catch (err) {
    throw fsError(ctx.pluginId, location.display, err);
  }
  const files = names.flatMap((name) => {
    const entry = results.get(name);
    return entry === undefined ? [] : [entry];
  });
  return { files, rest: names.filter((name) => !results.has(name)) };
}
