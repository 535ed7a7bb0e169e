import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { RokuError } from '@roku/schemas';
import { MIGRATIONS, SCHEMA_VERSION } from './schema.js';

export type Db = Database.Database;

/** The SQLite result code of a better-sqlite3 error (`SQLITE_BUSY`, `SQLITE_CORRUPT_INDEX`, …), if any. */
function sqliteCode(err: unknown): string | undefined {
  if (!(err instanceof Error)) return undefined;
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' && code.startsWith('SQLITE_') ? code : undefined;
}

function isCode(code: string, base: string): boolean {
  return code === base || code.startsWith(`${base}_`);
}

/**
 * Whether a write failed on a foreign key: the row it points at (a session, a run) does not exist. Inserts let
 * SQLite's own check find a missing parent instead of reading it first.
 */
export function isForeignKeyError(err: unknown): boolean {
  return sqliteCode(err) === 'SQLITE_CONSTRAINT_FOREIGNKEY';
}

export function corruptError(file: string, detail: string, cause?: unknown): RokuError {
  return new RokuError(
    'ROKU_STORE_CORRUPT',
    `${file}: not a SQLite database or damaged (${detail}); move it aside with its -wal and -shm files ` +
      `(e.g. mv ${file} ${file}.corrupt) and Roku starts a fresh one`,
    { details: { file, detail }, ...(cause === undefined ? {} : { cause }) },
  );
}

/**
 * Turns a SQLite failure into the store's error codes: damaged file → ROKU_STORE_CORRUPT, lock held past the
 * busy timeout → ROKU_STORE_LOCKED, unwritable file or full disk → ROKU_HOME_UNUSABLE. Anything else (a
 * constraint violated by a host bug, a RokuError of the store itself) is returned unchanged.
 */
export function mapSqliteError(err: unknown, file: string, busyTimeoutMs: number): unknown {
  const code = sqliteCode(err);
  if (code === undefined) return err;
  const detail = (err as Error).message;
  if (isCode(code, 'SQLITE_NOTADB') || isCode(code, 'SQLITE_CORRUPT')) return corruptError(file, detail, err);
  if (isCode(code, 'SQLITE_BUSY') || isCode(code, 'SQLITE_LOCKED')) {
    return new RokuError(
      'ROKU_STORE_LOCKED',
      `${file}: locked by another process for more than ${busyTimeoutMs} ms (${detail}); ` +
        'wait for the other roku process to finish, or stop it, and retry',
      { details: { file, busyTimeoutMs, sqliteCode: code }, cause: err },
    );
  }
  if (
    isCode(code, 'SQLITE_CANTOPEN') ||
    isCode(code, 'SQLITE_READONLY') ||
    isCode(code, 'SQLITE_PERM') ||
    isCode(code, 'SQLITE_FULL')
  ) {
    return new RokuError(
      'ROKU_HOME_UNUSABLE',
      `${file}: cannot be opened or written (${detail}); check the permissions and free space of its folder`,
      { details: { file, sqliteCode: code }, cause: err },
    );
  }
  return err;
}

function migrate(db: Db, file: string): void {
  const version = (): number => db.pragma('user_version', { simple: true }) as number;
  const newer = (found: number): RokuError =>
    new RokuError(
      'ROKU_STORE_NEWER',
      `${file}: schema version ${found} was written by a newer Roku (this one knows up to ${SCHEMA_VERSION}); ` +
        'upgrade Roku or use another ROKU_HOME',
      { details: { file, version: found, supported: SCHEMA_VERSION } },
    );
  const found = version();
  if (found > SCHEMA_VERSION) throw newer(found);
  if (found === SCHEMA_VERSION) return;
  db.transaction(() => {
    // another process may have migrated between the read above and this write lock
    const current = version();
    if (current > SCHEMA_VERSION) throw newer(current);
    for (let next = current; next < SCHEMA_VERSION; next += 1) {
      db.exec(MIGRATIONS[next] ?? '');
    }
    db.pragma(`user_version = ${SCHEMA_VERSION}`);
  }).immediate();
}

/** How often the WAL is copied back into the database file, off any commit (see `scheduleWalCheckpoints`). */
export const WAL_CHECKPOINT_INTERVAL_MS = 1000;
/**
 * WAL pages at which a commit checkpoints by itself (SQLite's default is 1,000): only a backstop for when the
 * timer cannot keep up, so that the WAL stays bounded (about 40 MiB of 4 KiB pages).
 */
const WAL_BACKSTOP_PAGES = 10_000;
/** A WAL grown past this by a burst is truncated back to it once checkpointed. */
const WAL_SIZE_LIMIT_BYTES = 64 * 1024 * 1024;

/**
 * Opens (creating when missing) the state database: WAL, synchronous NORMAL (approval transitions switch to
 * FULL, see `durably`), foreign keys, the busy timeout, an integrity quick check and the schema migrations.
 *
 * Durability: in WAL mode with NORMAL, a commit has reached the WAL file (the OS's cache of it) when it returns,
 * so a killed process (kill -9, a crash) loses nothing it committed; only an OS crash or power loss can undo
 * the last commits before a checkpoint (never corrupting the file). Messages are committed before a run goes
 * on from them, and that is the promise kept for them; approval transitions, whose replay after a power loss
 * could run a call twice, are committed with FULL (an fsync of the WAL per commit). FULL on every commit
 * would put an fsync on each of a turn's commits. The checkpoint, the one place NORMAL syncs, is moved off the
 * commits: SQLite's automatic one (fsyncs of the WAL and the database file on whichever commit passes 1,000
 * pages) only remains as a backstop at WAL_BACKSTOP_PAGES, and `scheduleWalCheckpoints` runs a PASSIVE one on
 * a timer.
 *
 * @throws ROKU_STORE_CORRUPT, ROKU_STORE_LOCKED, ROKU_STORE_NEWER, ROKU_HOME_UNUSABLE
 */
export function openDatabase(file: string, busyTimeoutMs: number): Db {
  try {
    mkdirSync(dirname(file), { recursive: true });
  } catch (err) {
    throw new RokuError('ROKU_HOME_UNUSABLE', `${dirname(file)}: cannot create the state folder`, {
      details: { file },
      cause: err,
    });
  }
  let db: Db | undefined;
  try {
    db = new Database(file, { timeout: busyTimeoutMs });
    db.pragma(`busy_timeout = ${busyTimeoutMs}`);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma(`wal_autocheckpoint = ${WAL_BACKSTOP_PAGES}`);
    db.pragma(`journal_size_limit = ${WAL_SIZE_LIMIT_BYTES}`);
    db.pragma('foreign_keys = ON');
    const check = db.pragma('quick_check', { simple: true });
    if (check !== 'ok') {
      throw corruptError(file, `quick_check: ${String(check).replace(/\s+/g, ' ').slice(0, 200)}`);
    }
    migrate(db, file);
    return db;
  } catch (err) {
    db?.close();
    throw mapSqliteError(err, file, busyTimeoutMs);
  }
}

/**
 * Checkpoints the WAL every WAL_CHECKPOINT_INTERVAL_MS, between transactions and never in a commit: PASSIVE,
 * so it neither waits for nor blocks another process's readers and writers (what it cannot copy yet waits for
 * the next tick). Copying a second of writes at once also writes a page changed by many commits once.
 * Returns the function that stops it. The timer does not keep the process alive.
 */
export function scheduleWalCheckpoints(db: Db): () => void {
  const checkpoint = db.prepare('PRAGMA wal_checkpoint(PASSIVE)');
  const timer = setInterval(() => {
    if (!db.open || db.inTransaction) return;
    try {
      checkpoint.get();
    } catch {
      // tried again at the next tick; the backstop keeps the WAL bounded meanwhile
    }
  }, WAL_CHECKPOINT_INTERVAL_MS);
  timer.unref();
  return () => {
    clearInterval(timer);
  };
}

/**
 * Runs `fn` (one write transaction) with `synchronous = FULL`, so that its commit is on disk, not only in the
 * OS cache, when it returns: approval transitions must survive a power loss, or an approved call could run
 * twice. Other writes use NORMAL (durable against a killed process, cheap enough for per-token events).
 */
export function durably<T>(db: Db, fn: () => T): T {
  db.pragma('synchronous = FULL');
  try {
    return fn();
  } finally {
    db.pragma('synchronous = NORMAL');
  }
}

/**
 * `fn` as one write transaction (BEGIN IMMEDIATE) of its own, or, called inside one, as part of the caller's:
 * no savepoint (two statements per call), so a failure rolls back the whole enclosing transaction as it
 * propagates. Not for writes whose failure a caller inside the transaction catches and goes on from.
 */
export function writeTransaction<A extends unknown[], R>(db: Db, fn: (...args: A) => R): (...args: A) => R {
  const own = db.transaction(fn);
  return (...args: A): R => (db.inTransaction ? fn(...args) : own.immediate(...args));
}
