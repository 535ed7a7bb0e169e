import {
  closeSync,
  fstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
  writeSync,
} from 'node:fs';
import { basename, dirname, join } from 'node:path';

/** Default size at which the log file is rotated. */
export const DEFAULT_LOG_MAX_BYTES = 10 * 1024 * 1024;
/** Default number of rotated files kept beside the current one (`roku.log.<time>-<pid>`). */
export const DEFAULT_LOG_KEEP = 3;

export interface FileSinkOptions {
  readonly file: string;
  /** Rotate once the file would grow past this many bytes. */
  readonly maxBytes?: number;
  /** Rotated files kept; older ones are deleted. 0 keeps none. */
  readonly keep?: number;
  /** Called once, on the first write that fails; the sink drops every later line. */
  readonly onError?: (err: NodeJS.ErrnoException) => void;
}

export interface FileSink {
  write(line: string): void;
  /** The error that turned the sink off, if any. */
  readonly failure: NodeJS.ErrnoException | undefined;
  close(): void;
}

/**
 * Appends log lines to a file, synchronously (a CLI process may end right after a line, and a killed one keeps
 * what it wrote), rotating it by renaming when it would grow past `maxBytes`, without any lock. The file is opened on the first
 * line, so a command that logs nothing touches nothing. Several processes may share the file: each notices
 * when another rotated it (the path names another inode) and reopens. A failure (full disk, read-only or
 * missing folder) never reaches the code that logged: it is reported once through `onError` and later lines
 * are dropped.
 */
export function createFileSink(options: FileSinkOptions): FileSink {
  const maxBytes = Math.max(1024, options.maxBytes ?? DEFAULT_LOG_MAX_BYTES);
  const keep = Math.max(0, options.keep ?? DEFAULT_LOG_KEEP);
  let fd: number | undefined;
  let failure: NodeJS.ErrnoException | undefined;

  const ensureOpen = (): number => {
    if (fd !== undefined) return fd;
    try {
      // Only the last folder: ROKU_HOME was checked, and a recursive mkdir can hang on odd paths.
      mkdirSync(dirname(options.file), { mode: 0o700 });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    fd = openSync(options.file, 'a', 0o600);
    return fd;
  };
  const closeFd = (): void => {
    if (fd !== undefined) closeSync(fd);
    fd = undefined;
  };
  let rotations = 0;
  /**
   * Renames the file away unless another process did already (the path then names another inode). Each
   * rotated file gets a name of its own (`roku.log.<time>-<pid>-<n>`), so two processes rotating at once
   * never rename one file onto another and lose it; the oldest beyond `keep` are deleted.
   */
  const rotate = (current: number): void => {
    const mine = fstatSync(current).ino;
    let onDisk: number | undefined;
    try {
      onDisk = statSync(options.file).ino;
    } catch {
      onDisk = undefined;
    }
    closeFd();
    if (onDisk !== mine) return;
    const stamp = new Date().toISOString().replace(/[-:.]/g, '');
    rotations += 1;
    try {
      renameSync(options.file, `${options.file}.${stamp}-${process.pid}-${rotations}`);
    } catch {
      // Renamed by another process in between: it is rotated either way.
    }
    prune();
  };
  const prune = (): void => {
    const dir = dirname(options.file);
    const prefix = `${basename(options.file)}.`;
    const rotated = readdirSync(dir)
      .filter((name) => name.startsWith(prefix))
      .sort();
    for (const name of rotated.slice(0, Math.max(0, rotated.length - keep))) {
      rmSync(join(dir, name), { force: true });
    }
  };
  const fail = (err: unknown): void => {
    failure = err as NodeJS.ErrnoException;
    try {
      closeFd();
    } catch {
      // already failing
    }
    options.onError?.(failure);
  };

  return {
    write(line) {
      if (failure !== undefined) return;
      try {
        const bytes = Buffer.from(line, 'utf8');
        let current = ensureOpen();
        // The size on disk, not a count of our own lines: other processes append to the same file.
        const size = fstatSync(current).size;
        if (size > 0 && size + bytes.length > maxBytes) {
          rotate(current);
          current = ensureOpen();
        }
        for (let at = 0; at < bytes.length;) at += writeSync(current, bytes, at);
      } catch (err) {
        fail(err);
      }
    },
    get failure() {
      return failure;
    },
    close() {
      try {
        closeFd();
      } catch {
        // nothing left to do
      }
    },
  };
}
