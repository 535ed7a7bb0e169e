import { RokuError } from '@roku/plugin-api';
import type { MemoryRecord } from '@roku/plugin-api';

/** Longest record text, in characters (Unicode code points). */
export const MAX_TEXT_CHARS = 8192;
export const MAX_ID_CHARS = 128;
export const MAX_TAGS = 32;
export const MAX_TAG_CHARS = 64;
/** Records kept per session; older ones are dropped first. */
export const MAX_RECORDS_PER_SESSION = 1000;

/** What a write stores: the caller's id or none yet, the text and tags. */
export interface NewRecord {
  readonly id: string | undefined;
  readonly text: string;
  readonly tags: readonly string[] | undefined;
}

function badRecord(index: number, what: string): never {
  throw new RokuError('ROKU_MEMORY_BAD_RECORD', `memory write: records[${index}] ${what}`);
}

/** Code points, so that emoji and other astral characters count once. */
const charCount = (text: string): number => Array.from(text).length;

/** The session a call acts for. @throws ROKU_MEMORY_SESSION_REQUIRED */
export function requireSession(input: { sessionId?: unknown }, op: string): string {
  const { sessionId } = input;
  if (typeof sessionId !== 'string' || sessionId === '') {
    throw new RokuError('ROKU_MEMORY_SESSION_REQUIRED', `memory ${op}: sessionId must be a non-empty string`);
  }
  return sessionId;
}

/** A usable limit: a non-negative integer, at most `max`; `fallback` when absent or invalid. */
export function readLimit(limit: unknown, fallback: number, max: number): number {
  return typeof limit === 'number' && Number.isInteger(limit) && limit >= 0 ? Math.min(limit, max) : fallback;
}

/**
 * Checks every record of a write before anything is stored.
 *
 * @throws ROKU_MEMORY_BAD_RECORD, ROKU_MEMORY_TEXT_TOO_LONG
 */
export function readRecords(records: unknown): NewRecord[] {
  if (!Array.isArray(records)) {
    throw new RokuError('ROKU_MEMORY_BAD_RECORD', 'memory write: records must be an array');
  }
  return records.map((raw: unknown, i): NewRecord => {
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) badRecord(i, 'must be an object');
    const record = raw as Partial<Record<keyof MemoryRecord, unknown>>;
    if (typeof record.text !== 'string') badRecord(i, 'must have a string text');
    const chars = record.text.length > MAX_TEXT_CHARS ? charCount(record.text) : record.text.length;
    if (chars > MAX_TEXT_CHARS) {
      throw new RokuError(
        'ROKU_MEMORY_TEXT_TOO_LONG',
        `memory write: records[${i}].text is ${chars} characters; the limit is ${MAX_TEXT_CHARS}. Nothing was written.`,
      );
    }
    const { id, tags } = record;
    if (id !== undefined && (typeof id !== 'string' || id === '' || id.length > MAX_ID_CHARS)) {
      badRecord(i, `id must be a non-empty string of at most ${MAX_ID_CHARS} characters`);
    }
    if (
      tags !== undefined &&
      (!Array.isArray(tags) ||
        tags.length > MAX_TAGS ||
        tags.some((t) => typeof t !== 'string' || t.length > MAX_TAG_CHARS))
    ) {
      badRecord(i, `tags must be at most ${MAX_TAGS} strings of at most ${MAX_TAG_CHARS} characters`);
    }
    return { id, text: record.text, tags: tags as string[] | undefined };
  });
}
