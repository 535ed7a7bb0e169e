import { RokuError } from '@roku/plugin-api';
import type { MemoryRecord, MemoryScope, PluginContext, SqlValue } from '@roku/plugin-api';
import { openMemoryDb } from './database.js';
import type { MemoryDb } from './database.js';
import { matchExpression, parseQuery } from './query.js';
import { score } from './rank.js';
import { RECORD_COLUMNS, readRecords, toRecord } from './records.js';
import { HARD_MAX_RECALL_TOP_K, readLimit, readSettings } from './settings.js';

/** Most records one list page returns (export pages through with `offset`). */
const MAX_LIST = 1000;
/** Candidates fetched by BM25 per record asked for, re-ranked here with recency and importance. */
const CANDIDATES_PER_RESULT = 4;

type Scoped = MemoryScope & { readonly workspaceId?: string };

function requireSession(input: { sessionId?: unknown }, op: string): string {
  const { sessionId } = input;
  if (typeof sessionId !== 'string' || sessionId === '') {
    throw new RokuError('ROKU_MEMORY_SESSION_REQUIRED', `memory ${op}: sessionId must be a non-empty string`);
  }
  return sessionId;
}

/** What a caller may see: user records, this workspace's, and this session's. */
const VISIBLE = `(m.scope = 'user' OR (m.scope = 'workspace' AND m.source_workspace_id = ?) OR (m.scope = 'session' AND m.source_session_id = ?))`;

function visibleParams(input: Scoped, sessionId: string): SqlValue[] {
  return [typeof input.workspaceId === 'string' ? input.workspaceId : null, sessionId];
}

async function recent(
  db: MemoryDb,
  input: Scoped,
  sessionId: string,
  limit: number,
  offset = 0,
): Promise<MemoryRecord[]> {
  const result = await db.query(
    `SELECT ${RECORD_COLUMNS} FROM long_term_memories m WHERE ${VISIBLE} ORDER BY m.updated_at_unix_ms DESC, m.seq DESC LIMIT ? OFFSET ?`,
    [...visibleParams(input, sessionId), limit, offset],
  );
  return result.rows.map((row) => toRecord(row));
}

/**
 * Matches counted per word at most when choosing words to rank by. BM25 needs every match of a word to score
 * (its IDF), so words in more records than this (stop words, a project's name) would make recall slow as the
 * collection grows, and they tell records apart little anyway.
 */
const COMMON_WORD_MATCHES = 500;

/** Per word, its matches up to COMMON_WORD_MATCHES + 1 (one statement, bounded cost whatever the size). */
async function wordCounts(db: MemoryDb, words: readonly string[]): Promise<number[]> {
  const probes = words.map(
    (_, i) =>
      `(SELECT count(*) FROM (SELECT 1 FROM long_term_memories_fts WHERE long_term_memories_fts MATCH ?${i + 1} LIMIT ${COMMON_WORD_MATCHES + 1}))`,
  );
  const result = await db.query(`SELECT ${probes.join(', ')}`, [...words]);
  return (result.rows[0] ?? []).map((n) => (typeof n === 'number' ? n : 0));
}

/**
 * Records visible to this session that match the query, best first. Words rank by BM25 weighted with recency
 * and importance (rank.ts), leaving out words in more than 500 records; when every word is that common, the most
 * recent matches come first. `tag:<tag>` filters (newest first); `id:<id>` looks one record up; an empty query
 * gives the most recently changed records.
 */
export async function recall(
  input: Scoped & { query: string; limit: number },
  ctx: PluginContext,
): Promise<MemoryRecord[]> {
  const sessionId = requireSession(input, 'recall');
  const settings = readSettings(ctx.config);
  // recallTopK is the recall limit (already clamped to 64): a caller may ask for fewer, never more.
  const limit = readLimit(input.limit, settings.recallTopK, settings.recallTopK);
  const db = await openMemoryDb(ctx, 'recall');
  const parsed = parseQuery(typeof input.query === 'string' ? input.query : '');
  if (parsed.id !== undefined) {
    const found = await db.query(`SELECT ${RECORD_COLUMNS} FROM long_term_memories m WHERE m.id = ?`, [
      parsed.id,
    ]);
    return found.rows.map((row) => toRecord(row));
  }
  let words = parsed.words;
  let ranked = words.length > 0;
  if (ranked) {
    const counts = await wordCounts(db, words);
    const present = words.filter((_, i) => (counts[i] ?? 0) > 0);
    const rare = words.filter((_, i) => (counts[i] ?? 0) > 0 && (counts[i] ?? 0) <= COMMON_WORD_MATCHES);
    if (present.length === 0) return [];
    ranked = rare.length > 0;
    words = ranked ? rare : present;
  }
  const match = matchExpression(words, parsed.tags);
  if (match === undefined) return recent(db, input, sessionId, limit);
  const candidates = ranked ? Math.min(HARD_MAX_RECALL_TOP_K, limit) * CANDIDATES_PER_RESULT : limit;
  // FTS5 picks the best (or, unranked, the newest: it walks its rowids backwards and stops) before the join, so
  // the cost does not grow with the matches; records other scopes hide are dropped after that.
  const inner = ranked
    ? `SELECT rowid, rank FROM long_term_memories_fts WHERE long_term_memories_fts MATCH ? ORDER BY rank LIMIT ${candidates}`
    : `SELECT rowid, 0 AS rank FROM long_term_memories_fts WHERE long_term_memories_fts MATCH ? ORDER BY rowid DESC LIMIT ${candidates}`;
  const result = await db.query(
    `SELECT ${RECORD_COLUMNS}, f.rank FROM (${inner}) f JOIN long_term_memories m ON m.seq = f.rowid
     WHERE ${VISIBLE} ORDER BY ${ranked ? 'f.rank' : 'f.rowid DESC'} LIMIT ?`,
    [match, ...visibleParams(input, sessionId), candidates],
  );
  const now = Date.now();
  const records = result.rows.map((row) => {
    const record = toRecord(row);
    if (parsed.words.length === 0) return record;
    return {
      ...record,
      score: score(ranked ? Number(row[7]) : 0, record, now, settings.recencyHalfLifeDays),
    };
  });
  if (ranked)
    records.sort((a, b) => (b.score ?? 0) - (a.score ?? 0) || (b.updatedAt ?? 0) - (a.updatedAt ?? 0));
  return records.slice(0, limit);
}

/**
 * Stores records (an id already stored is updated in place, keeping its creation time), at most
 * `writeMaxBatchSize` per transaction.
 */
export async function write(input: Scoped & { records: MemoryRecord[] }, ctx: PluginContext): Promise<void> {
  const sessionId = requireSession(input, 'write');
  const now = Date.now();
  const records = readRecords(input.records, sessionId, now);
  if (records.length === 0) return;
  const { writeMaxBatchSize } = readSettings(ctx.config);
  const workspace = typeof input.workspaceId === 'string' ? input.workspaceId : null;
  const db = await openMemoryDb(ctx, 'write');
  for (let i = 0; i < records.length; i += writeMaxBatchSize) {
    await db.batch(
      records.slice(i, i + writeMaxBatchSize).map((r) => ({
        sql: `INSERT INTO long_term_memories (id, kind, scope, content, tags, importance, source_session_id,
                source_workspace_id, created_at_unix_ms, updated_at_unix_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
              ON CONFLICT (id) DO UPDATE SET kind = excluded.kind, scope = excluded.scope, content = excluded.content,
                tags = excluded.tags, importance = excluded.importance, source_session_id = excluded.source_session_id,
                source_workspace_id = excluded.source_workspace_id, updated_at_unix_ms = excluded.updated_at_unix_ms`,
        params: [
          r.id,
          r.kind,
          r.scope,
          r.text,
          JSON.stringify(r.tags),
          r.importance,
          sessionId,
          workspace,
          now,
          now,
        ],
      })),
    );
  }
}

/** Deletes records by id. */
export async function forget(input: Scoped & { ids: string[] }, ctx: PluginContext): Promise<void> {
  requireSession(input, 'forget');
  const ids = Array.isArray(input.ids)
    ? input.ids.filter((id) => typeof id === 'string').slice(0, MAX_LIST)
    : [];
  if (ids.length === 0) return;
  const db = await openMemoryDb(ctx, 'forget');
  await db.query(`DELETE FROM long_term_memories WHERE id IN (${ids.map(() => '?').join(', ')})`, ids);
}

/** Records visible to this session, most recently changed first; `offset` pages on (roku memory export). */
export async function list(
  input: Scoped & { limit: number; offset?: number },
  ctx: PluginContext,
): Promise<MemoryRecord[]> {
  const sessionId = requireSession(input, 'list');
  const limit = readLimit(input.limit, 50, MAX_LIST);
  const offset =
    typeof input.offset === 'number' && Number.isInteger(input.offset) && input.offset > 0 ? input.offset : 0;
  return recent(await openMemoryDb(ctx, 'list'), input, sessionId, limit, offset);
}
