import { existsSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { tempDir } from '@roku/test-support';
import { pino } from 'pino';
import { createSqlDatabases } from '../../../src/capabilities/index.js';
import type { SqlDatabases } from '../../../src/capabilities/index.js';
import { createHarness, expectError, expectOk } from '../helpers.js';
import type { Harness, HarnessOptions } from '../helpers.js';

const open: { harness: Harness; sql: SqlDatabases }[] = [];

afterEach(async () => {
  for (const { harness, sql } of open.splice(0)) {
    await harness.dispose();
    sql.close();
  }
});

function sqlHarness(
  grant: { maxBytes?: number; statementTimeoutMs?: number } | undefined,
  root = tempDir('sql'),
) {
  const sql = createSqlDatabases(root, pino({ level: 'silent' }));
  const options: HarnessOptions = {
    permissions: grant === undefined ? {} : { capabilities: { sql: grant } },
    sql: (maxBytes) => sql.database('acme-weather', maxBytes),
  };
  const harness = createHarness(options);
  open.push({ harness, sql });
  return { harness, root, file: join(root, 'acme-weather', 'main.db') };
}

const query = (h: Harness, sql: string, params: unknown[] = []) => h.request('sql.query', { sql, params });

describe('sql capability', () => {
  it('gives a plugin with the grant a database of its own with FTS5, rows in column order', async () => {
    const { harness, file } = sqlHarness({});
    expectOk(await query(harness, 'CREATE VIRTUAL TABLE notes USING fts5(body)'));
    expectOk(await query(harness, 'INSERT INTO notes (body) VALUES (?), (?)', ['blue whale', 'red fox']));
    const found = expectOk(
      await query(harness, 'SELECT body FROM notes WHERE notes MATCH ? ORDER BY rank', ['fox']),
    );
    expect(found).toMatchObject({ columns: ['body'], rows: [['red fox']] });
    expect(existsSync(file)).toBe(true);
  });

  it('refuses every sql op to a plugin without the grant', async () => {
    const { harness } = sqlHarness(undefined);
    expect(expectError(await query(harness, 'SELECT 1'), 'ROKU_CAPABILITY_DENIED')).toContain(
      'permissions.capabilities.sql is not granted',
    );
  });

  it.each([
    ["ATTACH DATABASE '/etc/passwd' AS other", 'ATTACH'],
    ["VACUUM INTO '/tmp/roku-sql-escape.db'", 'ATTACH'],
    ["SELECT load_extension('/tmp/evil.so')", 'load_extension'],
    ['PRAGMA writable_schema = ON', 'PRAGMA writable_schema'],
    ['PRAGMA journal_mode = OFF', 'PRAGMA journal_mode'],
    ['BEGIN', 'transactions are run by the host'],
    ['CREATE TEMP TABLE t (a)', '"temp"'],
    ['SELECT * FROM temp.sqlite_master', '"temp"'],
  ])('refuses %s, naming why', async (statement, why) => {
    const { harness } = sqlHarness({});
    expect(expectError(await query(harness, statement), 'ROKU_CAPABILITY_DENIED')).toContain(why);
    expect(existsSync('/tmp/roku-sql-escape.db')).toBe(false);
  });

  it('runs one statement per query and a batch all or nothing', async () => {
    const { harness } = sqlHarness({});
    expectOk(await query(harness, 'CREATE TABLE t (a INTEGER PRIMARY KEY)'));
    expectError(await query(harness, 'INSERT INTO t VALUES (1); DROP TABLE t'), 'ROKU_SQL_ERROR');
    const batch = await harness.request('sql.batch', {
      statements: [
        { sql: 'INSERT INTO t VALUES (?)', params: [2] },
        { sql: 'INSERT INTO t VALUES (?)', params: [2] },
      ],
    });
    expect(expectError(batch, 'ROKU_SQL_ERROR')).toContain('UNIQUE');
    expect(expectOk(await query(harness, 'SELECT count(*) FROM t'))).toMatchObject({ rows: [[0]] });
  });

  it('stops a statement past its timeout and keeps serving the next one', async () => {
    const { harness } = sqlHarness({ statementTimeoutMs: 200 });
    const endless = 'WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c';
    expect(expectError(await query(harness, endless), 'ROKU_SQL_TIMEOUT')).toContain('200 ms');
    expect(expectOk(await query(harness, 'SELECT 41 + 1'))).toMatchObject({ rows: [[42]] });
  });

  it('fails a write past the size quota with a clear error and keeps what was there', async () => {
    const { harness } = sqlHarness({ maxBytes: 65536 });
    expectOk(await query(harness, 'CREATE TABLE t (a TEXT)'));
    expectOk(await query(harness, "INSERT INTO t VALUES ('kept')"));
    const fill = await query(
      harness,
      'INSERT INTO t SELECT hex(randomblob(2000)) FROM (WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 500) SELECT x FROM c)',
    );
    expect(expectError(fill, 'ROKU_CAPABILITY_QUOTA_EXCEEDED')).toContain('database is full');
    expect(expectOk(await query(harness, 'SELECT a FROM t'))).toMatchObject({ rows: [['kept']] });
  });

  it('says the database is corrupt when its file is not SQLite', async () => {
    const root = tempDir('sql');
    mkdirSync(join(root, 'acme-weather'), { recursive: true });
    writeFileSync(join(root, 'acme-weather', 'main.db'), 'not a database '.repeat(500));
    const { harness } = sqlHarness({}, root);
    expect(expectError(await query(harness, 'SELECT 1'), 'ROKU_SQL_CORRUPT')).toContain('corrupt');
  });

  it('checks the values bound to a statement', async () => {
    const { harness } = sqlHarness({});
    expect(
      expectError(await query(harness, 'SELECT ?', [{ evil: 1 }]), 'ROKU_CAPABILITY_BAD_REQUEST'),
    ).toContain('params[0]');
  });
});
