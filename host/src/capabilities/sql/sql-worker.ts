/*
 * The child process that holds one plugin's SQLite database. The host kills it when a statement runs past its
 * timeout (SQLite offers no way to interrupt from Node), so a runaway query costs only this process. Every
 * statement is checked by SQLite's authorizer (authorizer.ts) while it is prepared.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import type { StatementSync } from 'node:sqlite';
import { refusal } from './authorizer.js';
import type { SqlReply, SqlRequest, SqlResult, SqlValue } from './sql-protocol.js';

/** Rows one statement returns at most; more is a clear error rather than a huge reply. */
const MAX_ROWS = 10_000;
/** SQLite's own memory (page cache, sorting), apart from the process's JS heap. */
const HEAP_LIMIT_BYTES = 256 * 1024 * 1024;

class SqlFailure extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const [file = '', maxBytesText = '0'] = process.argv.slice(2);
const maxBytes = Number(maxBytesText);
let db: DatabaseSync | undefined;
let openError: SqlFailure | undefined;
/** Set while the host's own BEGIN/COMMIT of a batch runs: the only transactions allowed. */
let hostStatement = false;
let lastRefusal = '';

function classify(err: unknown): SqlFailure {
  if (err instanceof SqlFailure) return err;
  const e = err as { errcode?: number; message?: string };
  const message = e.message ?? String(err);
  const primary = (e.errcode ?? 0) & 0xff;
  if (primary === 23 || message.includes('not authorized')) {
    return new SqlFailure('ROKU_CAPABILITY_DENIED', lastRefusal === '' ? message : lastRefusal);
  }
  if (primary === 11 || primary === 26) {
    return new SqlFailure('ROKU_SQL_CORRUPT', `the database is corrupt or not a SQLite file (${message})`);
  }
  if (primary === 13) {
    return new SqlFailure(
      'ROKU_CAPABILITY_QUOTA_EXCEEDED',
      `the database is full: it may hold ${maxBytes} bytes (permissions.capabilities.sql.maxBytes)`,
    );
  }
  return new SqlFailure('ROKU_SQL_ERROR', message);
}

function open(): DatabaseSync {
  if (db !== undefined) return db;
  if (openError !== undefined) throw openError;
  try {
    mkdirSync(dirname(file), { recursive: true });
    const handle = new DatabaseSync(file, { allowExtension: false });
    handle.exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON');
    handle.exec('PRAGMA busy_timeout = 5000; PRAGMA temp_store = MEMORY; PRAGMA trusted_schema = OFF');
    handle.exec(`PRAGMA hard_heap_limit = ${HEAP_LIMIT_BYTES}`);
    const { page_size: pageSize } = handle.prepare('PRAGMA page_size').get() as { page_size: number };
    handle.exec(`PRAGMA max_page_count = ${Math.max(16, Math.floor(maxBytes / pageSize))}`);
    // The whole schema is read here, so a damaged file is reported at once, not at some later statement.
    handle.prepare('SELECT count(*) FROM sqlite_schema').get();
    handle.enableDefensive(true);
    handle.setAuthorizer((action, arg1, arg2, dbName) => {
      if (hostStatement) return 0;
      const why = refusal(action, arg1, arg2, dbName);
      if (why === undefined) return 0;
      lastRefusal = why;
      return 1;
    });
    db = handle;
    return handle;
  } catch (err) {
    openError = classify(err);
    throw openError;
  }
}

function decodeParam(value: SqlValue): string | number | null | Uint8Array {
  if (value !== null && typeof value === 'object') return Buffer.from(value.base64, 'base64');
  return value;
}

function encodeValue(value: unknown): SqlValue {
  if (value instanceof Uint8Array) return { base64: Buffer.from(value).toString('base64') };
  if (typeof value === 'bigint') return Number(value);
  return value as SqlValue;
}

function prepare(handle: DatabaseSync, sql: string): StatementSync {
  lastRefusal = '';
  const statement = handle.prepare(sql);
  const rest = sql.slice(statement.sourceSQL.length).trim();
  if (rest !== '' && !/^;*$/.test(rest)) {
    throw new SqlFailure('ROKU_SQL_ERROR', 'one statement per request: use sql.batch for several');
  }
  return statement;
}

function runOne(handle: DatabaseSync, sql: string, params: readonly SqlValue[]): SqlResult {
  const statement = prepare(handle, sql);
  statement.setReturnArrays(true);
  const args = params.map(decodeParam);
  if (statement.columns().length === 0) {
    const { changes, lastInsertRowid } = statement.run(...args);
    return { columns: [], rows: [], changes: Number(changes), lastInsertRowid: Number(lastInsertRowid) };
  }
  const rows: SqlValue[][] = [];
  for (const row of statement.iterate(...args) as Iterable<unknown[]>) {
    if (rows.length >= MAX_ROWS) {
      throw new SqlFailure('ROKU_SQL_ERROR', `the statement returns more than ${MAX_ROWS} rows; add a LIMIT`);
    }
    rows.push(row.map(encodeValue));
  }
  return { columns: statement.columns().map((c) => c.name), rows, changes: 0, lastInsertRowid: 0 };
}

function hostExec(handle: DatabaseSync, sql: string): void {
  hostStatement = true;
  try {
    handle.exec(sql);
  } finally {
    hostStatement = false;
  }
}

function serve(request: SqlRequest): SqlReply {
  try {
    const handle = open();
    if (request.statements.length === 1 && !request.batch) {
      const [only] = request.statements;
      return { id: request.id, ok: true, results: [runOne(handle, only?.sql ?? '', only?.params ?? [])] };
    }
    hostExec(handle, 'BEGIN IMMEDIATE');
    try {
      const results = request.statements.map((s) => runOne(handle, s.sql, s.params));
      hostExec(handle, 'COMMIT');
      return { id: request.id, ok: true, results };
    } catch (err) {
      if (handle.isTransaction) hostExec(handle, 'ROLLBACK');
      throw err;
    }
  } catch (err) {
    const failure = classify(err);
    return { id: request.id, ok: false, error: { code: failure.code, message: failure.message } };
  }
}

process.on('message', (message: SqlRequest) => {
  process.send?.(serve(message));
});
// Statement timeouts start once the process is up: its own start-up is not the statement's time.
process.send?.({ ready: true });
process.on('disconnect', () => {
  db?.close();
  process.exit(0);
});
