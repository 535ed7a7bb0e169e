import { RokuError } from '@roku/plugin-api';
import type { MemoryRecord, SqlValue } from '@roku/plugin-api';

export const MAX_TEXT_CHARS = 8192;
export const MAX_ID_CHARS = 128;
export const MAX_TAGS = 32;
export const MAX_TAG_CHARS = 64;
/** The tag that marks a session's summary; a session keeps one (the newest). */
export const SESSION_SUMMARY_TAG = 'session-summary';
/** The tag the host puts on the exchanges it writes back (agent.writeBack). */
const EXCHANGE_TAG = 'exchange';

export type Scope = 'session' | 'workspace' | 'user';

/** A record ready to store. */
export interface NewRecord {
  readonly id: string;
  readonly kind: 'fact' | 'historical-case' | 'session-summary';
  readonly scope: Scope;
  readonly text: string;
  readonly tags: readonly string[];
  readonly importance: number;
}

function bad(index: number, what: string): never {
  throw new RokuError('ROKU_MEMORY_BAD_RECORD', `memory write: records[${index}] ${what}`);
}

let counter = Math.floor(Math.random() * 1_000_000);

/** `ltm-<unix ms>-<counter:06>`; the counter starts at a random point so processes rarely collide. */
function newId(now: number): string {
  counter = (counter + 1) % 1_000_000;
  return `ltm-${now}-${String(counter).padStart(6, '0')}`;
}

/**
 * Checks every record of a write before anything is stored. A record without a scope belongs to the session;
 * a session summary (tag `session-summary`) always does, one per session.
 *
 * @throws ROKU_MEMORY_BAD_RECORD
 */
export function readRecords(records: unknown, sessionId: string, now: number): NewRecord[] {
  if (!Array.isArray(records))
    throw new RokuError('ROKU_MEMORY_BAD_RECORD', 'memory write: records must be an array');
  return records.map((raw: unknown, i): NewRecord => {
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) bad(i, 'must be an object');
    const r = raw as Partial<Record<keyof MemoryRecord, unknown>>;
    if (typeof r.text !== 'string' || r.text.trim() === '') bad(i, 'must have a non-empty string text');
    if (Array.from(r.text).length > MAX_TEXT_CHARS)
      bad(i, `text is longer than ${MAX_TEXT_CHARS} characters`);
    if (r.id !== undefined && (typeof r.id !== 'string' || r.id === '' || r.id.length > MAX_ID_CHARS)) {
      bad(i, `id must be a non-empty string of at most ${MAX_ID_CHARS} characters`);
    }
    const tags = r.tags ?? [];
    if (
      !Array.isArray(tags) ||
      tags.length > MAX_TAGS ||
      tags.some((t) => typeof t !== 'string' || t.length > MAX_TAG_CHARS)
    ) {
      bad(i, `tags must be at most ${MAX_TAGS} strings of at most ${MAX_TAG_CHARS} characters`);
    }
    const scope = r.scope ?? 'session';
    if (scope !== 'session' && scope !== 'workspace' && scope !== 'user')
      bad(i, 'scope must be session, workspace or user');
    const importance = r.importance ?? 0.5;
    if (typeof importance !== 'number' || !(importance >= 0 && importance <= 1))
      bad(i, 'importance must be from 0 to 1');
    const list = tags as string[];
    if (list.includes(SESSION_SUMMARY_TAG)) {
      return {
        id: `${SESSION_SUMMARY_TAG}:${sessionId}`,
        kind: 'session-summary',
        scope: 'session',
        text: r.text,
        tags: list,
        importance,
      };
    }
    // The host's write-back (a finished exchange) is a historical case for the workspace, as in the spec's
    // ConservativeMemoryLifecyclePolicy; other records without a scope stay in their session.
    const exchange = list.includes(EXCHANGE_TAG);
    return {
      id: typeof r.id === 'string' ? r.id : newId(now),
      kind: exchange ? 'historical-case' : 'fact',
      scope: exchange && r.scope === undefined ? 'workspace' : scope,
      text: r.text,
      tags: list,
      importance,
    };
  });
}

/** Columns every read selects, in the order `toRecord` reads them. */
export const RECORD_COLUMNS =
  'm.id, m.content, m.tags, m.scope, m.importance, m.created_at_unix_ms, m.updated_at_unix_ms';

/** A stored row (RECORD_COLUMNS order) as a record. */
export function toRecord(row: readonly SqlValue[], score?: number): MemoryRecord {
  const [id, text, tags, scope, importance, createdAt, updatedAt] = row;
  let parsedTags: string[] = [];
  try {
    const value: unknown = JSON.parse(typeof tags === 'string' ? tags : '[]');
    if (Array.isArray(value)) parsedTags = value.filter((t): t is string => typeof t === 'string');
  } catch {
    // A damaged tag list is shown as none rather than failing the recall.
  }
  return {
    id: typeof id === 'string' ? id : '',
    text: typeof text === 'string' ? text : '',
    ...(parsedTags.length === 0 ? {} : { tags: parsedTags }),
    scope: scope === 'workspace' || scope === 'user' ? scope : 'session',
    importance: Number(importance),
    createdAt: Number(createdAt),
    updatedAt: Number(updatedAt),
    ...(score === undefined ? {} : { score }),
  };
}
