import { createHash } from 'node:crypto';
import { RokuError } from '@roku/schemas';
import type { ServerDb } from '../state/db.js';

/** Idempotency-Key records: a retried run creation (same token, key and body) gets the same run. */
export interface IdempotencyStore {
  /**
   * The run id recorded for this key, or undefined for a new key.
   * @throws ROKU_HTTP_IDEMPOTENCY_CONFLICT when the key was used with another body
   */
  find(tokenId: string, key: string, body: unknown): string | undefined;
  record(tokenId: string, key: string, body: unknown, runId: string): void;
  /** Drops a key whose run could not start, so a retry tries again. */
  forget(tokenId: string, key: string): void;
}

/** Keys are kept a day. */
const KEEP_MS = 24 * 60 * 60 * 1000;

function bodyHash(body: unknown): string {
  return createHash('sha256').update(JSON.stringify(body)).digest('hex');
}

export function createIdempotencyStore(db: ServerDb, now: () => number = Date.now): IdempotencyStore {
  const get = db.prepare<[string, string, number], { body_hash: string; run_id: string }>(
    'SELECT body_hash, run_id FROM idempotency WHERE token_id = ? AND key = ? AND created_at > ?',
  );
  return {
    find(tokenId, key, body) {
      const row = get.get(tokenId, key, now() - KEEP_MS);
      if (row === undefined) return undefined;
      if (row.body_hash !== bodyHash(body)) {
        throw new RokuError(
          'ROKU_HTTP_IDEMPOTENCY_CONFLICT',
          `Idempotency-Key "${key}" was used for another request body (run ${row.run_id}); use a new key`,
          { details: { key, runId: row.run_id } },
        );
      }
      return row.run_id;
    },
    record(tokenId, key, body, runId) {
      db.prepare('DELETE FROM idempotency WHERE created_at <= ?').run(now() - KEEP_MS);
      db.prepare(
        'INSERT OR REPLACE INTO idempotency (token_id, key, body_hash, run_id, created_at) VALUES (?, ?, ?, ?, ?)',
      ).run(tokenId, key, bodyHash(body), runId, now());
    },
    forget(tokenId, key) {
      db.prepare('DELETE FROM idempotency WHERE token_id = ? AND key = ?').run(tokenId, key);
    },
  };
}
