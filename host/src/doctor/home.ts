import { mkdirSync, rmSync, statSync, statfsSync, writeFileSync } from 'node:fs';
import { dirname, join, parse, resolve, sep } from 'node:path';
import { randomUUID } from 'node:crypto';
import { RokuError } from '@roku/schemas';

/** Error codes that mean the disk is full (or the user's quota is used up). */
const FULL_CODES = new Set(['ENOSPC', 'EDQUOT', 'SQLITE_FULL']);

function codeOf(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : 'unknown';
}

function reasonOf(err: unknown): string {
  const code = codeOf(err);
  switch (code) {
    case 'ENOSPC':
    case 'EDQUOT':
      return 'no space left on the disk holding it';
    case 'EROFS':
      return 'it is on a read-only file system';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    default:
      // `ENOENT: no such file or directory, mkdir '/proc/x'`: the path is named by the caller already.
      return (err instanceof Error ? err.message : String(err)).replace(/, \w+ '[^']*'$/, '');
  }
}

function unusable(home: string, problem: string, err?: unknown): RokuError {
  const full = err !== undefined && FULL_CODES.has(codeOf(err));
  const fix = full
    ? 'free some space on that disk, or set ROKU_HOME to a folder on another one'
    : 'set ROKU_HOME to a folder you can write, e.g. export ROKU_HOME=$HOME/.roku';
  return new RokuError('ROKU_HOME_UNUSABLE', `ROKU_HOME ${home}: ${problem}; ${fix}`, {
    details: { home, problem, ...(err === undefined ? {} : { cause: codeOf(err) }) },
    ...(err === undefined ? {} : { cause: err }),
  });
}

/** The folders from the root down to `dir`: `/a/b` → `/`, `/a`, `/a/b`. */
function ancestry(dir: string): string[] {
  const { root } = parse(dir);
  const parts = dir.slice(root.length).split(sep).filter(Boolean);
  return [root, ...parts.map((_, i) => join(root, ...parts.slice(0, i + 1)))];
}

/**
 * Makes sure ROKU_HOME is a folder this process can write, creating it when missing, so that commands fail at
 * once with the fix instead of failing deep inside or hanging: one folder at a time, because Node's recursive
 * mkdir never returns for some paths (e.g. under /proc). Cheap: a few system calls and a probe file.
 *
 * @throws ROKU_HOME_UNUSABLE naming the folder, what is wrong (a file in the way, not creatable, not
 *   writable, read-only, disk full) and the fix.
 */
export function ensureHome(home: string): string {
  const dir = resolve(home);
  for (const step of ancestry(dir)) {
    let isDir: boolean;
    try {
      isDir = statSync(step).isDirectory();
    } catch (err) {
      if (codeOf(err) !== 'ENOENT') throw unusable(dir, `cannot look at ${step} (${reasonOf(err)})`, err);
      try {
        mkdirSync(step, { mode: 0o700 });
        continue;
      } catch (mkdirErr) {
        // Another process may have created it in between.
        if (codeOf(mkdirErr) === 'EEXIST' && statSync(step).isDirectory()) continue;
        throw unusable(dir, `cannot create the folder ${step} (${reasonOf(mkdirErr)})`, mkdirErr);
      }
    }
    if (!isDir) {
      throw unusable(dir, step === dir ? 'it is a file, not a folder' : `${step} is a file, not a folder`);
    }
  }
  const probe = join(dir, `.roku-probe-${process.pid}-${randomUUID()}`);
  try {
    writeFileSync(probe, 'ok', { flag: 'wx' });
  } catch (err) {
    throw unusable(dir, `cannot write in it (${reasonOf(err)})`, err);
  } finally {
    rmSync(probe, { force: true });
  }
  return dir;
}

/**
 * Whether the disk holding `path` (or its nearest existing parent) has no space left for an unprivileged
 * writer. Used to explain a failed write as a full disk rather than an I/O error.
 */
export function diskFull(path: string): boolean {
  for (let at = resolve(path); ; at = dirname(at)) {
    try {
      const fs = statfsSync(at);
      // Pseudo file systems (/proc, /sys) have no blocks at all: not "full".
      return fs.blocks > 0 && fs.bavail === 0;
    } catch (err) {
      if (at === dirname(at) || codeOf(err) !== 'ENOENT') return false;
    }
  }
}

/** Whether a failure is a full disk (ENOSPC, EDQUOT, SQLITE_FULL), by its code or its cause's. */
export function isDiskFullError(err: unknown): boolean {
  for (let at: unknown = err, depth = 0; at !== undefined && at !== null && depth < 5; depth += 1) {
    if (FULL_CODES.has(codeOf(at))) return true;
    at = (at as { cause?: unknown }).cause;
  }
  return false;
}

function sqliteIoError(err: unknown): boolean {
  for (let at: unknown = err, depth = 0; at !== undefined && at !== null && depth < 5; depth += 1) {
    const code = codeOf(at);
    if (code.startsWith('SQLITE_IOERR') || code === 'EIO') return true;
    at = (at as { cause?: unknown }).cause;
  }
  return false;
}

/**
 * A failure explained as a full disk when it is one: an ENOSPC / SQLITE_FULL, or an I/O error or unusable
 * home while the disk holding ROKU_HOME has no space left (SQLite often reports a full disk as a plain
 * "disk I/O error"). Undefined when the failure is something else.
 */
export function diskFullFailure(home: string, err: unknown): RokuError | undefined {
  // ensureHome's errors (`ROKU_HOME <dir>: …`) say it already.
  if (err instanceof Error && err.message.startsWith('ROKU_HOME ')) return undefined;
  // A full disk shows in a failure's cause chain; an I/O error only counts when the disk is full right now.
  if (!(isDiskFullError(err) || (sqliteIoError(err) && diskFull(home)))) return undefined;
  // The store's own advice (after '; ') is replaced by the one for a full disk.
  const message = (err instanceof Error ? err.message : String(err)).split('; ')[0] ?? '';
  return unusable(resolve(home), `no space left on the disk holding it (${message})`, {
    code: 'ENOSPC',
    cause: err,
  });
}
