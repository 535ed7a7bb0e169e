import { rmSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import Database from 'better-sqlite3';
import type { Logger } from 'pino';
import { RokuError } from '@roku/schemas';

const RETRY_MS = 20;

interface LockOwner {
  readonly pid: number;
  readonly time: string;
}

function isBusy(err: unknown): boolean {
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' && (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED'));
}

/** The pid written beside the lock by its holder: for messages only, never used to decide who holds it. */
async function readOwner(path: string): Promise<LockOwner | undefined> {
  try {
    const value = JSON.parse(await readFile(`${path}.owner`, 'utf8')) as Partial<LockOwner>;
    return typeof value.pid === 'number' ? { pid: value.pid, time: String(value.time) } : undefined;
  } catch {
    return undefined;
  }
}

function tryExclusive(db: Database.Database): boolean {
  try {
    db.exec('BEGIN EXCLUSIVE');
    return true;
  } catch (err) {
    if (isBusy(err)) return false;
    throw err;
  }
}

/**
 * Takes the exclusive install lock: an EXCLUSIVE transaction on a small SQLite database (`path`), held until
 * release. SQLite locks through the OS (fcntl), so the lock ends with its process however it dies: there is
 * no stale lock to take over and so no takeover race. Two connections of one process exclude each other too.
 * Waits up to `waitMs`, polling without blocking the event loop. Returns the release function.
 *
 * @throws ROKU_INSTALL_LOCKED when another live process (or another install in this one) keeps the lock.
 */
export async function acquireInstallLock(
  path: string,
  waitMs: number,
  logger: Logger,
): Promise<() => Promise<void>> {
  const deadline = Date.now() + waitMs;
  let db: Database.Database;
  try {
    db = new Database(path, { timeout: 0 });
  } catch (err) {
    throw new RokuError(
      'ROKU_HOME_UNUSABLE',
      `${path}: the install lock cannot be opened (${(err as Error).message}); check ROKU_HOME and its permissions`,
      { details: { path }, cause: err },
    );
  }
  while (!tryExclusive(db)) {
    if (Date.now() >= deadline) {
      db.close();
      const owner = await readOwner(path);
      throw new RokuError(
        'ROKU_INSTALL_LOCKED',
        `${path}: another install is running${owner !== undefined ? ` (pid ${owner.pid})` : ''}; wait for it to finish and retry`,
        { details: { path, owner } },
      );
    }
    await sleep(RETRY_MS);
  }
  logger.debug({ path }, 'install lock taken');
  try {
    writeFileSync(`${path}.owner`, JSON.stringify({ pid: process.pid, time: new Date().toISOString() }));
  } catch (err) {
    logger.debug({ err }, 'cannot record the install lock owner');
  }
  let released = false;
  return () => {
    if (!released) {
      released = true;
      try {
        // While still holding the lock, so the next holder's record is never the one removed.
        rmSync(`${path}.owner`, { force: true });
        db.exec('ROLLBACK');
      } finally {
        db.close();
      }
    }
    return Promise.resolve();
  };
}
