/**
 * The state database's schema, as an ordered list of migrations. Migration `n` (1-based) brings a database from
 * `PRAGMA user_version = n - 1` to `n`. Migrations are append-only: a released one is never edited.
 */
export const MIGRATIONS: readonly string[] = [
  `
CREATE TABLE sessions (
  id TEXT PRIMARY KEY,
  title TEXT,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  -- next message seq; seqs are never reused, even after compaction
  next_seq INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX sessions_updated ON sessions (updated_at DESC);

CREATE TABLE runs (
  id TEXT PRIMARY KEY,
  session_id TEXT NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
  parent_run_id TEXT REFERENCES runs (id) ON DELETE SET NULL,
  goal TEXT NOT NULL,
  status TEXT NOT NULL
    CHECK (status IN ('running', 'awaiting_approval', 'succeeded', 'failed', 'interrupted')),
  owner_pid INTEGER,
  state TEXT,
  result_message TEXT,
  error_code TEXT,
  error_message TEXT,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  finished_at INTEGER
);
CREATE INDEX runs_session ON runs (session_id, created_at);
CREATE INDEX runs_status ON runs (status);
CREATE INDEX runs_parent ON runs (parent_run_id);

-- ord orders the visible conversation: ord = seq for appended messages; a compaction summary takes the ord just
-- below the first message it keeps, so it sorts before them although its seq is newer.
CREATE TABLE messages (
  session_id TEXT NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
  seq INTEGER NOT NULL,
  ord INTEGER NOT NULL,
  run_id TEXT REFERENCES runs (id) ON DELETE SET NULL,
  role TEXT NOT NULL CHECK (role IN ('system', 'user', 'assistant', 'tool')),
  content TEXT NOT NULL,
  tool_calls TEXT,
  tool_call_id TEXT,
  is_error INTEGER,
  hidden INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (session_id, seq)
) WITHOUT ROWID;
CREATE INDEX messages_visible ON messages (session_id, hidden, ord);
CREATE INDEX messages_run ON messages (run_id);

CREATE TABLE events (
  run_id TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
  seq INTEGER NOT NULL,
  type TEXT NOT NULL,
  data TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (run_id, seq)
) WITHOUT ROWID;

-- One row per run that has events: counters for the events-table cap and the trace file cap.
CREATE TABLE traces (
  run_id TEXT PRIMARY KEY REFERENCES runs (id) ON DELETE CASCADE,
  events INTEGER NOT NULL DEFAULT 0,
  trace_dropped INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;

CREATE TABLE approvals (
  id TEXT PRIMARY KEY,
  run_id TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
  session_id TEXT NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
  tool_call_id TEXT NOT NULL,
  tool_name TEXT NOT NULL,
  arguments TEXT NOT NULL,
  digest TEXT NOT NULL,
  risk TEXT NOT NULL,
  status TEXT NOT NULL
    CHECK (status IN ('pending', 'approved', 'rejected', 'executing', 'executed', 'cancelled')),
  decided_by TEXT,
  comment TEXT,
  created_at INTEGER NOT NULL,
  decided_at INTEGER,
  result TEXT,
  executed_at INTEGER
);
CREATE INDEX approvals_run ON approvals (run_id, status);
CREATE INDEX approvals_session ON approvals (session_id, created_at);
CREATE INDEX approvals_status ON approvals (status, created_at);
`,
  `
-- The runtime's view of each plugin: how it fared in the last snapshot, and a quarantine that outlives restarts
-- until the plugin is enabled (or installed) again.
CREATE TABLE plugin_state (
  id TEXT PRIMARY KEY,
  version TEXT NOT NULL,
  origin TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('loaded', 'left-out', 'quarantined')),
  problem TEXT,
  quarantine_reason TEXT,
  quarantined_at INTEGER,
  updated_at INTEGER NOT NULL
) WITHOUT ROWID;
`,
  `
-- An executing claim names its process and a lease, so a claim whose owner died (or outlived its lease) is
-- recoverable; note says what is known when a ticket is asked again ("may have run").
ALTER TABLE approvals ADD COLUMN claim_pid INTEGER;
ALTER TABLE approvals ADD COLUMN lease_until INTEGER;
ALTER TABLE approvals ADD COLUMN note TEXT;

-- Sandbox failures counted across processes (quarantine counts what every roku process saw).
CREATE TABLE plugin_failures (
  plugin_id TEXT NOT NULL,
  code TEXT NOT NULL,
  message TEXT NOT NULL,
  at INTEGER NOT NULL
);
CREATE INDEX plugin_failures_plugin ON plugin_failures (plugin_id, at);
-- The content of a quarantined plugin (dev folders): a rebuild (other content) lifts the quarantine.
ALTER TABLE plugin_state ADD COLUMN quarantine_hash TEXT;
`,
];

/** The schema version this build writes (`PRAGMA user_version`). */
export const SCHEMA_VERSION = MIGRATIONS.length;
