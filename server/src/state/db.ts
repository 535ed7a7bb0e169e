import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import Database from 'better-sqlite3';

/** The server's own SQLite file beside the host's store: tokens, the audit log and idempotency keys. */
export function serverDbFile(home: string): string {
  return join(home, 'state', 'server.db');
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS tokens (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  hash TEXT NOT NULL,
  scopes TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  revoked_at INTEGER,
  last_used_at INTEGER
);
CREATE TABLE IF NOT EXISTS audit (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  at INTEGER NOT NULL,
  actor TEXT NOT NULL,
  action TEXT NOT NULL,
  outcome TEXT NOT NULL,
  session_id TEXT,
  run_id TEXT,
  request_id TEXT,
  trace_id TEXT,
  target TEXT,
  details TEXT
);
CREATE INDEX IF NOT EXISTS audit_action ON audit(action, at);
CREATE TABLE IF NOT EXISTS idempotency (
  token_id TEXT NOT NULL,
  key TEXT NOT NULL,
  body_hash TEXT NOT NULL,
  run_id TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (token_id, key)
);
`;

/**
 * Migrations after SCHEMA, by PRAGMA user_version. 1: session owners (which token created a session), filled from
 * the audit log's session.create and run.start records so sessions created before keep their token.
 */
const MIGRATIONS: readonly string[] = [
  `
CREATE TABLE session_owners (
  session_id TEXT PRIMARY KEY,
  token_id TEXT NOT NULL,
  created_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX session_owners_token ON session_owners (token_id);
INSERT OR IGNORE INTO session_owners (session_id, token_id, created_at)
  SELECT session_id, substr(actor, 7), at FROM audit
  WHERE action IN ('session.create', 'run.start') AND session_id IS NOT NULL AND actor LIKE 'token:%'
  ORDER BY seq;
`,
];

/** Opens (creating when missing) the server database in WAL mode; one connection per process. */
export function openServerDb(home: string): Database.Database {
  const file = serverDbFile(home);
  mkdirSync(dirname(file), { recursive: true });
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  // WAL with NORMAL stays consistent on a crash; it only skips an fsync per commit (audit rows are small and
  // many: one per run start and decision).
  db.pragma('synchronous = NORMAL');
  db.pragma('busy_timeout = 5000');
  db.exec(SCHEMA);
  const version = db.pragma('user_version', { simple: true }) as number;
  for (let i = version; i < MIGRATIONS.length; i++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[i] as string);
      db.pragma(`user_version = ${i + 1}`);
    })();
  }
  return db;
}

export type ServerDb = Database.Database;
