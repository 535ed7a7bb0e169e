import { open, readFile, stat, unlink } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import { RokuError } from '@roku/schemas';
import { isMissing } from './durable-write.js';

const RETRY_MS = 25;
// A lock file still empty after this long was left by a process that died between create and write.
const EMPTY_LOCK_GRACE_MS = 2000;

interface LockOwner {
  readonly pid: number;
  readonly time: string;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: the process exists but belongs to someone else.
    return (err as { code?: unknown }).code === 'EPERM';
  }
}

async function readOwner(path: string): Promise<LockOwner | 'empty' | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if (isMissing(err)) return undefined;
    throw err;
  }
  try {
    const value = JSON.parse(text) as Partial<LockOwner>;
    if (typeof value.pid === 'number') return { pid: value.pid, time: String(value.time) };
  } catch {
    // Being written right now, or torn by a crash: decided by its age below.
  }
  return 'empty';
}

async function isStale(path: string): Promise<boolean> {
  const owner = await readOwner(path);
  if (owner === undefined) return false;
  if (owner !== 'empty') return !isAlive(owner.pid);
  try {
    return Date.now() - (await stat(path)).mtimeMs > EMPTY_LOCK_GRACE_MS;
  } catch (err) {
    if (isMissing(err)) return false;
    throw err;
  }
}

/**
 * Takes the exclusive install lock: a file created with O_EXCL holding `{ pid, time }`. A lock whose pid is
 * dead is taken over; otherwise this waits up to `waitMs`. Returns the release function.
 *
 * @throws ROKU_INSTALL_LOCKED when another live process (or another install in this one) keeps the lock.
 */
export async function acquireInstallLock(
  path: string,
  waitMs: number,
  logger: Logger,
): Promise<() => Promise<void>> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    try {
      const handle = await open(path, 'wx', 0o644);
      try {
        await handle.writeFile(JSON.stringify({ pid: process.pid, time: new Date().toISOString() }));
      } finally {
        await handle.close();
      }
      return async () => {
        await unlink(path).catch((err: unknown) => {
          if (!isMissing(err)) throw err;
        });
      };
    } catch (err) {
      if ((err as { code?: unknown }).code !== 'EEXIST') throw err;
    }
    if (await isStale(path)) {
      logger.warn({ path }, 'taking over stale install lock');
      await unlink(path).catch((err: unknown) => {
        if (!isMissing(err)) throw err;
      });
      continue;
    }
    if (Date.now() >= deadline) {
      const owner = await readOwner(path);
      throw new RokuError(
        'ROKU_INSTALL_LOCKED',
        `${path}: another install is running${owner !== undefined && owner !== 'empty' ? ` (pid ${owner.pid})` : ''}`,
        { details: { path, owner: owner === 'empty' ? undefined : owner } },
      );
    }
    await sleep(RETRY_MS);
  }
}
