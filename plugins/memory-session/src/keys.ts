import { stableHash } from '@roku/plugin-api';
/**
 * Storage layout in the plugin's kv namespace:
 * - `s:<session>:r:<seq>:<id>` one record (JSON), seq = 10-digit insertion counter, so keys sort oldest first;
 * - `t:<session>` the time of the session's last write (for evicting the oldest sessions when storage is full).
 * `<session>` is the URI-encoded session id (which never contains ':'), or `#<hash>` for very long ids.
 */

/** Longest encoded session id kept verbatim in keys; the kv store allows keys of 512 bytes. */
const MAX_ENCODED_SESSION = 200;
const SEQ_DIGITS = 10;

/** The key part naming a session: distinct sessions never share it, nor is one a prefix of another's. */
export function sessionPart(sessionId: string): string {
  const encoded = encodeURIComponent(sessionId);
  // '#' is always encoded by encodeURIComponent, so hashed parts cannot collide with encoded ones.
  return encoded.length <= MAX_ENCODED_SESSION
    ? encoded
    : `#${stableHash(sessionId, 1)}${stableHash(sessionId, 2)}`;
}

export const recordPrefix = (session: string): string => `s:${session}:r:`;
export const sessionKey = (session: string): string => `t:${session}`;
export const SESSIONS_PREFIX = 't:';

export function recordKey(session: string, seq: number, id: string): string {
  return `${recordPrefix(session)}${String(seq).padStart(SEQ_DIGITS, '0')}:${encodeURIComponent(id)}`;
}

export interface RecordKey {
  readonly key: string;
  readonly seq: number;
  readonly id: string;
}

/** Parses a record key listed under `recordPrefix(session)`; undefined for keys of another layout. */
export function parseRecordKey(session: string, key: string): RecordKey | undefined {
  const rest = key.slice(recordPrefix(session).length);
  const colon = rest.indexOf(':');
  if (colon !== SEQ_DIGITS) return undefined;
  try {
    return { key, seq: Number(rest.slice(0, colon)), id: decodeURIComponent(rest.slice(colon + 1)) };
  } catch {
    return undefined;
  }
}
