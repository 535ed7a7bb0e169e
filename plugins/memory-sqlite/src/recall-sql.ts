import type { SqlValue } from '@roku/plugin-api';
import { RECORD_COLUMNS } from './records.js';

/**
 * Matches counted per word at most when choosing words to rank by. BM25 needs every match of a word to score
 * (its IDF), so words in more records than this (stop words, a project's name) would make recall slow as the
 * collection grows, and they tell records apart little anyway.
 */
export const COMMON_WORD_MATCHES = 500;
/** A bareword no tokenizer output equals: an FTS5 query that matches nothing (SQL NULL would be an error). */
const NOTHING = `'roku0matches0nothing'`;

/** What a caller may see: user records, this workspace's, and this session's (params: workspace, session). */
export const VISIBLE = `(m.scope = 'user' OR (m.scope = 'workspace' AND m.source_workspace_id = ?) OR (m.scope = 'session' AND m.source_session_id = ?))`;

/**
 * One statement (one round trip) for a full-text recall: it counts each word's matches up to
 * COMMON_WORD_MATCHES + 1, ranks by BM25 over the words in at most that many records, or, when every word is more
 * common, takes the newest matches (FTS5 walks its rowids backwards and stops). FTS5 picks `candidates` hits
 * before the join with the records and the scope filter. Rows: RECORD_COLUMNS, rank, ranked (1 or 0).
 * `tags` are FTS5 column filters AND-ed to both.
 */
export function recallStatement(
  words: readonly string[],
  tags: readonly string[],
  candidates: number,
  scope: readonly SqlValue[],
): { sql: string; params: SqlValue[] } {
  const values = words.map(() => '(?)').join(', ');
  const filter = tags.length === 0 ? '' : `${tags.join(' AND ')} AND `;
  const expr = (which: 'rare' | 'present'): string =>
    `(SELECT coalesce(${tags.length === 0 ? '' : `'${filter.replaceAll("'", "''")}(' || `}${which}${tags.length === 0 ? '' : ` || ')'`}, ${NOTHING}) FROM e)`;
  const branch = (which: 'rare' | 'present', order: string, ranked: number, guard: string): string =>
    `SELECT * FROM (SELECT ${RECORD_COLUMNS}, r.rank, ${ranked} AS ranked FROM (SELECT rowid, ${ranked === 1 ? 'rank' : '0 AS rank'}
       FROM long_term_memories_fts WHERE long_term_memories_fts MATCH ${expr(which)} ORDER BY ${order} LIMIT ${candidates}) r
       JOIN long_term_memories m ON m.seq = r.rowid WHERE ${guard} AND ${VISIBLE})`;
  const sql = `WITH t(q) AS (VALUES ${values}),
    c AS MATERIALIZED (SELECT q, (SELECT count(*) FROM (SELECT 1 FROM long_term_memories_fts
      WHERE long_term_memories_fts MATCH t.q LIMIT ${COMMON_WORD_MATCHES + 1})) AS n FROM t),
    e AS MATERIALIZED (SELECT (SELECT group_concat(q, ' OR ') FROM c WHERE n BETWEEN 1 AND ${COMMON_WORD_MATCHES}) AS rare,
      (SELECT group_concat(q, ' OR ') FROM c WHERE n > 0) AS present)
    ${branch('rare', 'rank', 1, '(SELECT rare FROM e) IS NOT NULL')}
    UNION ALL
    ${branch('present', 'rowid DESC', 0, '(SELECT rare FROM e) IS NULL')}`;
  return { sql, params: [...words, ...scope, ...scope] };
}
