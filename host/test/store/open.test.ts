import { mkdirSync, openSync, readFileSync, writeFileSync, writeSync, closeSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { createStore, SCHEMA_VERSION } from '../../src/store/index.js';
import { onCleanup, openStore, tempHome, thrown } from './helpers.js';
import type { TempHome } from './helpers.js';

function open(home: TempHome, busyTimeoutMs?: number) {
  return () => {
    const store = createStore({
      file: home.file,
      traceDir: home.traceDir,
      ...(busyTimeoutMs === undefined ? {} : { busyTimeoutMs }),
    });
    onCleanup(() => {
      store.close();
    });
    return store;
  };
}

/** Another connection to the same file, closed after the test. */
function connect(file: string): Database.Database {
  mkdirSync(dirname(file), { recursive: true });
  const db = new Database(file);
  onCleanup(() => {
    if (db.inTransaction) db.exec('ROLLBACK');
    db.close();
  });
  return db;
}

describe('store open', () => {
  it('creates the file with WAL, foreign keys and the current schema version', () => {
    const { store, home } = openStore();
    expect(store.file).toBe(home.file);
    const db = connect(home.file);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    const tables = db
      .prepare<[], { name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
      .all()
      .map((row) => row.name);
    expect(tables).toEqual([
      'approvals',
      'events',
      'messages',
      'plugin_failures',
      'plugin_state',
      'runs',
      'sessions',
      'traces',
    ]);
  });

  it('reopens an existing database without migrating it again', () => {
    const home = tempHome();
    open(home)().ensureSession('s');
    expect(open(home)().getSession('s')?.id).toBe('s');
  });

  it('names the file and the fix when the file is not a database', () => {
    const home = tempHome();
    mkdirSync(dirname(home.file), { recursive: true });
    writeFileSync(home.file, Buffer.from('this is not a database '.repeat(400)));
    const error = thrown(open(home));
    expect(error?.code).toBe('ROKU_STORE_CORRUPT');
    expect(error?.message).toContain(home.file);
    expect(error?.message).toMatch(/move it aside/);
  });

  it('reports a damaged database found by the integrity check', () => {
    const home = tempHome();
    const store = open(home)();
    store.ensureSession('s');
    store.appendMessages(
      's',
      null,
      Array.from({ length: 400 }, (_, i) => ({ role: 'user' as const, content: `message ${i} `.repeat(20) })),
    );
    store.close();
    const size = readFileSync(home.file).length;
    expect(size).toBeGreaterThan(8 * 4096);
    // overwrite pages in the middle of the file, keeping the header intact
    const fd = openSync(home.file, 'r+');
    writeSync(fd, Buffer.alloc(4 * 4096, 0x5a), 0, 4 * 4096, 3 * 4096);
    closeSync(fd);
    const error = thrown(open(home));
    expect(error?.code).toBe('ROKU_STORE_CORRUPT');
    expect(error?.message).toContain(home.file);
  });

  it('refuses a database written by a newer Roku', () => {
    const home = tempHome();
    const db = connect(home.file);
    db.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    db.close();
    const error = thrown(open(home));
    expect(error?.code).toBe('ROKU_STORE_NEWER');
    expect(error?.message).toContain(home.file);
  });

  it('reports a lock held past the busy timeout when opening', () => {
    const home = tempHome();
    const other = connect(home.file);
    other.exec('CREATE TABLE x (y)');
    other.exec('BEGIN EXCLUSIVE');
    const error = thrown(open(home, 200));
    expect(error?.code).toBe('ROKU_STORE_LOCKED');
    expect(error?.message).toContain(home.file);
  });

  it('reports a lock held past the busy timeout from any method, and works again once it is released', () => {
    const home = tempHome();
    const store = open(home, 200)();
    store.ensureSession('s');
    const other = connect(home.file);
    other.exec('BEGIN EXCLUSIVE');
    // readers are not blocked in WAL mode; writers are
    expect(store.getSession('s')?.id).toBe('s');
    const error = thrown(() => store.appendMessages('s', null, [{ role: 'user', content: 'hi' }]));
    expect(error?.code).toBe('ROKU_STORE_LOCKED');
    expect(error?.message).toContain(home.file);
    expect(error?.message).toContain('200 ms');
    other.exec('ROLLBACK');
    expect(store.appendMessages('s', null, [{ role: 'user', content: 'hi' }])[0]?.seq).toBe(1);
  });
});
