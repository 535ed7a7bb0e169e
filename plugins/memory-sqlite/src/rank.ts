import type { MemoryRecord } from '@roku/plugin-api';

const DAY_MS = 86_400_000;

/**
 * The score of a full-text hit, from 0 to 1: BM25 relevance (FTS5's rank, negative, better when lower) mapped to
 * ½–1 as (1 + x) / (2 + x), weighted 60 % on its own, 25 % by importance and 15 % by recency (halving every
 * `halfLifeDays` since the record last changed).
 */
export function score(rank: number, record: MemoryRecord, now: number, halfLifeDays: number): number {
  const x = Math.max(0, -rank);
  // A match is at least half relevant: BM25 gives ~0 to words found in half of a small collection.
  const relevance = (1 + x) / (2 + x);
  const age = Math.max(0, now - (record.updatedAt ?? record.createdAt ?? now)) / DAY_MS;
  const recency = 0.5 ** (age / halfLifeDays);
  const importance = record.importance ?? 0.5;
  return Math.round(relevance * (0.6 + 0.25 * importance + 0.15 * recency) * 10_000) / 10_000;
}
