import type { MemoryRecord, MemoryScope, PluginContext } from '@roku/plugin-api';
import { sessionPart } from './keys.js';
import { overlapScore, tokens } from './search.js';
import { appendRecords, forgetRecords, loadRecords } from './store.js';
import type { StoredRecord } from './store.js';
import { MAX_RECORDS_PER_SESSION, readLimit, readRecords, requireSession } from './validate.js';

/** Characters of record JSON one recall or list returns at most, well under the manifest's outputBytes. */
const MAX_RESULT_CHARS = 1_000_000;
const DEFAULT_RECALL_LIMIT = 8;
const DEFAULT_LIST_LIMIT = 50;

/** The first records in order that fit the result budget. */
function withinBudget(records: readonly MemoryRecord[], limit: number): MemoryRecord[] {
  const out: MemoryRecord[] = [];
  let chars = 0;
  for (const record of records) {
    if (out.length >= limit) break;
    chars += JSON.stringify(record).length;
    if (chars > MAX_RESULT_CHARS && out.length > 0) break;
    out.push(record);
  }
  return out;
}

const newestFirst = (records: readonly StoredRecord[]): StoredRecord[] =>
  [...records].sort((a, b) => b.seq - a.seq);

/**
 * Records of this session that share words with the query, best first (score = share of the query's distinct
 * words found in the record's text or tags); ties and an empty query give the most recent first.
 */
export async function recall(
  input: MemoryScope & { query: string; limit: number },
  ctx: PluginContext,
): Promise<MemoryRecord[]> {
  const session = sessionPart(requireSession(input, 'recall'));
  const limit = readLimit(input.limit, DEFAULT_RECALL_LIMIT, MAX_RECORDS_PER_SESSION);
  if (limit === 0) return [];
  const records = newestFirst(await loadRecords(ctx.kv, session));
  const query = tokens(typeof input.query === 'string' ? input.query : '');
  if (query.size === 0)
    return withinBudget(
      records.map((r) => r.record),
      limit,
    );
  const scored = records
    .map(({ record }) => ({
      record,
      score: overlapScore(query, tokens([record.text, ...(record.tags ?? [])].join(' '))),
    }))
    .filter((r) => r.score > 0);
  // Array.prototype.sort is stable: equal scores keep the newest-first order.
  scored.sort((a, b) => b.score - a.score);
  return withinBudget(
    scored.map(({ record, score }) => ({ ...record, score })),
    limit,
  );
}

/** Stores records in this session, assigning ids and createdAt. */
export async function write(
  input: MemoryScope & { records: MemoryRecord[] },
  ctx: PluginContext,
): Promise<void> {
  const session = sessionPart(requireSession(input, 'write'));
  const records = readRecords(input.records);
  await appendRecords(ctx.kv, session, records, Date.now());
}

/** Deletes records of this session by id; ids of other sessions are not touched. */
export async function forget(input: MemoryScope & { ids: string[] }, ctx: PluginContext): Promise<void> {
  const session = sessionPart(requireSession(input, 'forget'));
  const ids = Array.isArray(input.ids) ? input.ids.filter((id) => typeof id === 'string') : [];
  if (ids.length === 0) return;
  await forgetRecords(ctx.kv, session, new Set(ids));
}

/** The session's records, most recent first. */
export async function list(
  input: MemoryScope & { limit: number },
  ctx: PluginContext,
): Promise<MemoryRecord[]> {
  const session = sessionPart(requireSession(input, 'list'));
  const limit = readLimit(input.limit, DEFAULT_LIST_LIMIT, MAX_RECORDS_PER_SESSION);
  if (limit === 0) return [];
  const records = newestFirst(await loadRecords(ctx.kv, session));
  return withinBudget(
    records.map((r) => r.record),
    limit,
  );
}
