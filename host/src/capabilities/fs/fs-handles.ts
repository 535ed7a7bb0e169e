import { randomBytes } from 'node:crypto';
import { constants, openSync } from 'node:fs';
import type { Dirent, Stats } from 'node:fs';
import { lstat, mkdir, open, readdir, rename, unlink } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { failed, unavailable } from '../policy.js';

/*
 * Opening beneath a held directory, without re-resolving anything after a check.
 *
 * Node has no openat(2). On Linux, `/proc/self/fd/<fd>` is a magic link: path lookup jumps to exactly the
 * directory the descriptor holds, whatever happened to its name since it was opened. So `<that>/<name>`,
 * with `name` a single component that is not `.` or `..`, is an openat(fd, name). Opening every component
 * with O_NOFOLLOW (and O_DIRECTORY for folders) walks down from the granted root one held directory at a
 * time; a symbolic link anywhere fails the open instead of being followed, and swapping a folder for a link
 * after it was opened changes nothing, because the walk goes on from the held descriptor, not the name.
 * This is the RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS behaviour of openat2(2), built from O_NOFOLLOW opens.
 */

const DIR_FLAGS = constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW;
// O_NONBLOCK keeps a FIFO from blocking the open; O_NOCTTY keeps a terminal from becoming ours.
const READ_FLAGS = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK | constants.O_NOCTTY;
const CREATE_FLAGS =
  constants.O_WRONLY |
  constants.O_CREAT |
  constants.O_EXCL |
  constants.O_NOFOLLOW |
  constants.O_NONBLOCK |
  constants.O_NOCTTY;

let procChecked: boolean | undefined;

async function checkProc(): Promise<void> {
  if (procChecked === undefined) {
    try {
      procChecked = (await lstat('/proc/self/fd')).isDirectory();
    } catch {
      procChecked = false;
    }
  }
  if (!procChecked) {
    throw unavailable(
      'the filesystem capability needs /proc/self/fd (Linux) to open files beneath a held folder',
    );
  }
}

/** Why `name` cannot be one path component, or undefined when it can. */
export function componentProblem(name: string): string | undefined {
  if (name === '' || name === '.' || name === '..') return `has the component ${JSON.stringify(name)}`;
  if (name.includes('/') || name.includes('\0')) return 'has a component with a slash or NUL';
  if (Buffer.byteLength(name, 'utf8') > 255) return 'has a component longer than 255 bytes';
  return undefined;
}

function checkComponent(name: string): void {
  const problem = componentProblem(name);
  // Callers check paths before they get here; this guard keeps a bug from ever widening a walk.
  if (problem !== undefined) throw failed(`internal: path ${problem}`);
}

/** An open folder; every name below it is resolved from the descriptor, never from a path. */
export class HeldDir {
  readonly #handle: FileHandle;

  private constructor(handle: FileHandle) {
    this.#handle = handle;
  }

  /** Opens a root folder by its absolute path (the host's own path: symbolic links in it are the host's). */
  static async openRoot(path: string): Promise<HeldDir> {
    await checkProc();
    return new HeldDir(await open(path, constants.O_RDONLY | constants.O_DIRECTORY));
  }

  /** `/proc/self/fd/<fd>/<name>`: the entry `name` of this very folder. */
  at(name: string): string {
    checkComponent(name);
    return `/proc/self/fd/${this.#handle.fd}/${name}`;
  }

  /** This folder itself, as a path the kernel resolves to the held descriptor. */
  self(): string {
    return `/proc/self/fd/${this.#handle.fd}`;
  }

  /** Opens the child folder `name`; a symbolic link fails with ELOOP, anything else not a folder with ENOTDIR. */
  async openDir(name: string): Promise<HeldDir> {
    try {
      return new HeldDir(await open(this.at(name), DIR_FLAGS));
    } catch (err) {
      const code = (err as { code?: unknown }).code;
      // Linux answers O_NOFOLLOW|O_DIRECTORY on a link with ENOTDIR; tell the two apart for the message.
      if (
        (code === 'ENOTDIR' || code === 'ELOOP') &&
        (await this.lstatEntry(name))?.isSymbolicLink() === true
      ) {
        throw Object.assign(new Error(`${name} is a symbolic link`), { code: 'ELOOP' });
      }
      throw err;
    }
  }

  /** Creates the child folder `name` unless it exists, then opens it (never following a link). */
  async ensureDir(name: string): Promise<HeldDir> {
    try {
      await mkdir(this.at(name), 0o777);
    } catch (err) {
      if ((err as { code?: unknown }).code !== 'EEXIST') throw err;
    }
    return this.openDir(name);
  }

  /** Opens the entry `name` for reading without following a link and without blocking on a FIFO. */
  openForRead(name: string): Promise<FileHandle> {
    return open(this.at(name), READ_FLAGS);
  }

  /**
   * openForRead with a synchronous open, for many small files in a row (fs-read-many.ts): a raw descriptor the
   * caller closes. O_NONBLOCK keeps a FIFO from blocking the host.
   */
  openForReadSync(name: string): number {
    return openSync(this.at(name), READ_FLAGS);
  }

  /** lstat of the entry `name` (a link is reported, not followed); undefined when it does not exist. */
  async lstatEntry(name: string): Promise<Stats | undefined> {
    try {
      return await lstat(this.at(name));
    } catch (err) {
      if ((err as { code?: unknown }).code === 'ENOENT') return undefined;
      throw err;
    }
  }

  readdir(): Promise<Dirent[]> {
    return readdir(this.self(), { withFileTypes: true });
  }

  /**
   * Replaces (or creates) the regular file `name` with `bytes`: written to a new file created with
   * O_CREAT|O_EXCL|O_NOFOLLOW beside it, then renamed over `name`. The rename replaces the directory entry,
   * so an existing link, or a hard link shared with a file elsewhere, is never written through.
   * `keepMode` is the mode of the file being replaced, if any.
   */
  async replaceFile(name: string, bytes: Uint8Array, keepMode: number | undefined): Promise<void> {
    checkComponent(name);
    const temp = `.roku-write-${randomBytes(8).toString('hex')}`;
    const handle = await open(this.at(temp), CREATE_FLAGS, 0o666);
    try {
      try {
        await handle.writeFile(bytes);
        // A replaced file keeps its permission bits (never set-id bits); a new one gets 0666 less the umask.
        if (keepMode !== undefined) await handle.chmod(keepMode & 0o777);
      } finally {
        await handle.close();
      }
      await rename(this.at(temp), this.at(name));
    } catch (err) {
      await unlink(this.at(temp)).catch(() => undefined);
      throw err;
    }
  }

  close(): Promise<void> {
    return this.#handle.close();
  }
}

/**
 * Walks `segments` down from `root`, one held folder at a time, and hands the last folder to `use`. With
 * `create`, missing folders are made on the way. Every folder opened on the way is closed afterwards.
 */
export async function withFolder<T>(
  rootPath: string,
  segments: readonly string[],
  create: boolean,
  use: (dir: HeldDir, walked: number) => Promise<T>,
): Promise<T> {
  const opened: HeldDir[] = [];
  try {
    let current = await HeldDir.openRoot(rootPath);
    opened.push(current);
    for (const segment of segments) {
      current = create ? await current.ensureDir(segment) : await current.openDir(segment);
      opened.push(current);
    }
    return await use(current, segments.length);
  } finally {
    for (const dir of opened.reverse()) await dir.close().catch(() => undefined);
  }
}
