import { RokuError } from '@roku/plugin-api';
import type { MemoryRecord, PluginContext } from '@roku/plugin-api';
import { SESSIONS_PREFIX, parseRecordKey, recordKey, recordPrefix, sessionKey } from './keys.js';
import type { RecordKey } from './keys.js';
import { MAX_RECORDS_PER_SESSION } from './validate.js';
import type { NewRecord } from './validate.js';

type Kv = PluginContext['kv'];

/**
 * kv requests one call keeps in flight at most. The runner allows a plugin 256 pending capability requests in
 * all, shared by its concurrent calls (limits.concurrency = 4).
 */
const KV_PARALLEL = 32;

/** Runs `fn` over the items, KV_PARALLEL at a time, keeping the results in order. */
async function inBatches<T, R>(items: readonly T[], fn: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = [];
  for (let i = 0; i < items.length; i += KV_PARALLEL) {
    results.push(...(await Promise.all(items.slice(i, i + KV_PARALLEL).map(fn))));
  }
  return results;
}

/** A stored record with its insertion number (higher is newer). */
export interface StoredRecord {
  readonly seq: number;
  readonly record: MemoryRecord;
}

/** The keys of a session's records, oldest first. */
export async function recordKeys(kv: Kv, session: string): Promise<RecordKey[]> {
  const keys = await kv.list(recordPrefix(session));
  return keys
    .map((key) => parseRecordKey(session, key))
    .filter((k): k is RecordKey => k !== undefined)
    .sort((a, b) => a.seq - b.seq);
}

/** Characters of record text this realm keeps read records for at most (16 kept realms stay well under 64 MB). */
const MAX_KNOWN_CHARS = 1_000_000;

/**
 * Records this realm has read or written, by key, for the next call of its session: the runner gives a realm
 * to one session only, and keeps it for that session's next call. The key list is read on every load, so
 * records another process wrote or deleted are seen. A key names its record's seq and id, so a known key's
 * value needs no second read (it is written again with another value only when the newest record is forgotten
 * and a record with its id written elsewhere between two calls of this realm).
 */
const known = { session: '', chars: 0, records: new Map<string, StoredRecord | null>() };

function forgetKnown(session: string): void {
  known.session = session;
  known.chars = 0;
  known.records.clear();
}

const textChars = (stored: StoredRecord | null | undefined): number =>
  typeof stored?.record.text === 'string' ? stored.record.text.length : 0;

function remember(key: string, stored: StoredRecord | null): void {
  const chars = textChars(stored);
  if (known.chars + chars > MAX_KNOWN_CHARS) return;
  known.chars += chars;
  known.records.set(key, stored);
}

function drop(key: string): void {
  known.chars -= textChars(known.records.get(key));
  known.records.delete(key);
}

/** Every record of a session, oldest first. */
export async function loadRecords(kv: Kv, session: string): Promise<StoredRecord[]> {
  if (known.session !== session) forgetKnown(session);
  const keys = await recordKeys(kv, session);
  const listed = new Set(keys.map((k) => k.key));
  for (const key of [...known.records.keys()]) if (!listed.has(key)) drop(key);
  const missing = keys.filter((k) => !known.records.has(k.key));
  const values = await inBatches(missing, (k) => kv.get(k.key));
  const read = new Map<string, StoredRecord | null>();
  missing.forEach((k, i) => {
    const value = values[i];
    // deleted since it was listed
    if (value === null || value === undefined) return;
    let stored: StoredRecord | null;
    try {
      stored = { seq: k.seq, record: JSON.parse(value) as MemoryRecord };
    } catch {
      // A damaged value is skipped rather than failing every recall of the session.
      stored = null;
    }
    read.set(k.key, stored);
    remember(k.key, stored);
  });
  const records: StoredRecord[] = [];
  for (const k of keys) {
    const stored = known.records.get(k.key) ?? read.get(k.key);
    if (stored !== undefined && stored !== null) records.push(stored);
  }
  return records;
}

async function deleteSession(kv: Kv, session: string): Promise<void> {
  const keys = await kv.list(recordPrefix(session));
  await inBatches(keys, (key) => kv.delete(key));
  await kv.delete(sessionKey(session));
}

/**
 * Frees storage: drops the session least recently written other than `current`, or else the oldest record of
 * `current`. Returns false when there is nothing left to drop.
 */
async function makeRoom(kv: Kv, current: string): Promise<boolean> {
  const sessions = await kv.list(SESSIONS_PREFIX);
  let oldest: { session: string; at: number } | undefined;
  for (const key of sessions) {
    const session = key.slice(SESSIONS_PREFIX.length);
    if (session === current) continue;
    const at = Number((await kv.get(key)) ?? 0);
    if (oldest === undefined || at < oldest.at) oldest = { session, at };
  }
  if (oldest !== undefined) {
    await deleteSession(kv, oldest.session);
    return true;
  }
  const [first] = await recordKeys(kv, current);
  if (first === undefined) return false;
  await kv.delete(first.key);
  return true;
}

/** kv.set that, when the storage quota is used up, drops older sessions or records and tries again. */
async function setWithRoom(kv: Kv, current: string, key: string, value: string): Promise<void> {
  for (;;) {
    try {
      await kv.set(key, value);
      return;
    } catch (err) {
      if ((err as { code?: unknown }).code !== 'ROKU_CAPABILITY_LIMIT') throw err;
      if (!(await makeRoom(kv, current))) {
        throw new RokuError(
          'ROKU_MEMORY_STORAGE_FULL',
          `memory write: storage is full (limits.storageBytes) and nothing older is left to drop: ${(err as Error).message}`,
        );
      }
    }
  }
}

/**
 * How often a realm writes its session's last-write time at most. The time only orders sessions for eviction
 * when storage is full (least recently written first), so a minute's precision is enough: a session written
 * within the last minute is never the one evicted in place of one idle for longer. Skipping it saves a kv set on
 * most writes of a busy session (the host writes one record per turn).
 */
const STAMP_EVERY_MS = 60_000;

/** The session time this realm wrote last (a realm serves one session, see `known`). */
const stamped = { session: '', at: 0 };

/**
 * Appends records to a session: a record whose id is already stored replaces it (and becomes the newest); then
 * the oldest records beyond MAX_RECORDS_PER_SESSION are dropped. Returns the stored records.
 */
export async function appendRecords(
  kv: Kv,
  session: string,
  records: readonly NewRecord[],
  now: number,
): Promise<MemoryRecord[]> {
  const withIds = records.map((r) => ({ ...r, id: r.id ?? crypto.randomUUID() }));
  // Of several records with one id in a batch, the last wins.
  const latest = withIds.filter((r, i) => withIds.findLastIndex((o) => o.id === r.id) === i);
  const incoming = latest.slice(Math.max(0, latest.length - MAX_RECORDS_PER_SESSION));
  const ids = new Set(incoming.map((r) => r.id));
  const existing = await recordKeys(kv, session);
  const kept = existing.filter((k) => !ids.has(k.id));
  const overflow = Math.max(0, kept.length + incoming.length - MAX_RECORDS_PER_SESSION);
  const dropped = [...existing.filter((k) => ids.has(k.id)), ...kept.slice(0, overflow)];
  await inBatches(dropped, (k) => kv.delete(k.key));
  let seq = (existing.at(-1)?.seq ?? -1) + 1;
  const stored: MemoryRecord[] = [];
  for (const r of incoming) {
    const record: MemoryRecord = {
      id: r.id,
      text: r.text,
      ...(r.tags === undefined ? {} : { tags: r.tags }),
      createdAt: now,
    };
    const key = recordKey(session, seq, r.id);
    await setWithRoom(kv, session, key, JSON.stringify(record));
    if (known.session === session) remember(key, { seq, record });
    seq += 1;
    stored.push(record);
  }
  // A session that had no records (new, or evicted by another process since this realm stamped it) is
  // stamped at once: makeRoom only finds sessions by their time key.
  const fresh = stamped.session !== session || now - stamped.at >= STAMP_EVERY_MS || existing.length === 0;
  if (incoming.length > 0 && fresh) {
    await setWithRoom(kv, session, sessionKey(session), String(now));
    stamped.session = session;
    stamped.at = now;
  }
  return stored;
}

/** Deletes the session's records with these ids; returns how many were deleted. */
export async function forgetRecords(kv: Kv, session: string, ids: ReadonlySet<string>): Promise<number> {
  const doomed = (await recordKeys(kv, session)).filter((k) => ids.has(k.id));
  await inBatches(doomed, (k) => kv.delete(k.key));
  if (known.session === session) for (const k of doomed) drop(k.key);
  return doomed.length;
}
