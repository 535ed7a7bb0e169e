import { RokuError } from '@roku/plugin-api';
import type { MemoryRecord, MemoryScope, PluginContext, SqlValue } from '@roku/plugin-api';
import { openMemoryDb } from './database.js';
import type { MemoryDb } from './database.js';
import { matchExpression, parseQuery } from './query.js';
import { VISIBLE, recallStatement } from './recall-sql.js';
import { score } from './rank.js';
import { RECORD_COLUMNS, readRecords, toRecord } from './records.js';
import { readLimit, readSettings } from './settings.js';

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
 * Records visible to this session that match the query, best first. Words rank by BM25 weighted with recency
 * and importance (rank.ts), leaving out words in more than 500 records (recall-sql.ts); when every word is that
 * common, the most recent matches come first. `tag:<tag>` filters (alone: newest first); `id:<id>` looks one
 * record up; an empty query gives the most recently changed records.
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
  const scope = visibleParams(input, sessionId);
  const candidates = limit * CANDIDATES_PER_RESULT;
  if (parsed.words.length === 0) {
    const match = matchExpression([], parsed.tags);
    if (match === undefined) return recent(db, input, sessionId, limit);
    const tagged = await db.query(
      `SELECT ${RECORD_COLUMNS} FROM (SELECT rowid FROM long_term_memories_fts WHERE long_term_memories_fts MATCH ?
         ORDER BY rowid DESC LIMIT ${candidates}) r JOIN long_term_memories m ON m.seq = r.rowid
       WHERE ${VISIBLE} ORDER BY r.rowid DESC LIMIT ?`,
      [match, ...scope, limit],
    );
    return tagged.rows.map((row) => toRecord(row));
  }
  const statement = recallStatement(parsed.words, parsed.tags, candidates, scope);
  const result = await db.query(statement.sql, statement.params);
  const now = Date.now();
  const records = result.rows.map((row) => {
    const rank = row[8] === 1 ? Number(row[7]) : 0;
    return { ...toRecord(row), score: 0, rank };
  });
  const scored = records.map(({ rank, ...record }) => ({
    ...record,
    score: score(rank, record, now, settings.recencyHalfLifeDays),
  }));
  scored.sort((a, b) => b.score - a.score || (b.updatedAt ?? 0) - (a.updatedAt ?? 0));
  return scored.slice(0, limit);
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
