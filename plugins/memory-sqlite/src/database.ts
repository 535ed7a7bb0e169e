import { RokuError } from '@roku/plugin-api';
import type { PluginContext, SqlResult, SqlValue } from '@roku/plugin-api';

/** Bumped when the schema changes; the statements below create what is missing. */
export const SCHEMA_VERSION = 3;

const SCHEMA: readonly string[] = [
  `CREATE TABLE IF NOT EXISTS long_term_memories (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    scope TEXT NOT NULL,
    content TEXT NOT NULL,
    tags TEXT NOT NULL DEFAULT '[]',
    importance REAL NOT NULL DEFAULT 0.5,
    source_session_id TEXT,
    source_workspace_id TEXT,
    created_at_unix_ms INTEGER NOT NULL,
    updated_at_unix_ms INTEGER NOT NULL
  )`,
  'CREATE INDEX IF NOT EXISTS ltm_session ON long_term_memories (source_session_id, kind, updated_at_unix_ms)',
  'CREATE INDEX IF NOT EXISTS ltm_scope ON long_term_memories (scope, source_workspace_id, updated_at_unix_ms)',
  'CREATE INDEX IF NOT EXISTS ltm_updated ON long_term_memories (updated_at_unix_ms)',
  `CREATE VIRTUAL TABLE IF NOT EXISTS long_term_memories_fts USING fts5(
    content, tags, content = 'long_term_memories', content_rowid = 'seq', tokenize = 'unicode61 remove_diacritics 2'
  )`,
  `CREATE TRIGGER IF NOT EXISTS ltm_ai AFTER INSERT ON long_term_memories BEGIN
    INSERT INTO long_term_memories_fts (rowid, content, tags) VALUES (new.seq, new.content, new.tags);
  END`,
  `CREATE TRIGGER IF NOT EXISTS ltm_ad AFTER DELETE ON long_term_memories BEGIN
    INSERT INTO long_term_memories_fts (long_term_memories_fts, rowid, content, tags)
      VALUES ('delete', old.seq, old.content, old.tags);
  END`,
  `CREATE TRIGGER IF NOT EXISTS ltm_au AFTER UPDATE ON long_term_memories BEGIN
    INSERT INTO long_term_memories_fts (long_term_memories_fts, rowid, content, tags)
      VALUES ('delete', old.seq, old.content, old.tags);
    INSERT INTO long_term_memories_fts (rowid, content, tags) VALUES (new.seq, new.content, new.tags);
  END`,
  `PRAGMA user_version = ${SCHEMA_VERSION}`,
];

/** A database error as this plugin's own code, saying what to do about it. */
function memoryError(err: unknown, what: string): RokuError {
  const { code, message } = err as { code?: unknown; message?: unknown };
  const text = typeof message === 'string' ? message : String(err);
  switch (code) {
    case 'ROKU_SQL_CORRUPT':
      return new RokuError(
        'ROKU_MEMORY_DATABASE_CORRUPT',
        `memory ${what}: the memory database is corrupt (${text}); move ROKU_HOME/plugin-sql/<this plugin>/main.db away to start over`,
      );
    case 'ROKU_CAPABILITY_QUOTA_EXCEEDED':
      return new RokuError(
        'ROKU_MEMORY_DATABASE_FULL',
        `memory ${what}: the memory database is full (${text}); delete records with roku memory delete`,
      );
    default:
      return new RokuError(
        'ROKU_MEMORY_DATABASE_FAILED',
        `memory ${what}: ${typeof code === 'string' ? `${code}: ` : ''}${text}`,
      );
  }
}

/** The plugin's database as the ops use it: the schema made sure of once per sandbox, errors mapped. */
export interface MemoryDb {
  query(sql: string, params?: readonly SqlValue[]): Promise<SqlResult>;
  batch(statements: readonly { sql: string; params?: readonly SqlValue[] }[]): Promise<SqlResult[]>;
}

/** Whether this sandbox already saw the schema in place; a new sandbox checks again (one cheap query). */
let schemaReady = false;

/**
 * Opens the memory database for one op.
 *
 * @throws ROKU_MEMORY_DATABASE_CORRUPT, ROKU_MEMORY_DATABASE_FULL, ROKU_MEMORY_DATABASE_FAILED
 */
export async function openMemoryDb(ctx: PluginContext, what: string): Promise<MemoryDb> {
  const db: MemoryDb = {
    query: (sql, params = []) =>
      ctx.sql.query(sql, params).catch((err: unknown) => Promise.reject(memoryError(err, what))),
    batch: (statements) =>
      ctx.sql.batch(statements).catch((err: unknown) => Promise.reject(memoryError(err, what))),
  };
  if (!schemaReady) {
    const version = await db.query('PRAGMA user_version');
    if (version.rows[0]?.[0] !== SCHEMA_VERSION) await db.batch(SCHEMA.map((sql) => ({ sql })));
    schemaReady = true;
  }
  return db;
}
