import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { RokuError } from '@roku/schemas';
import { badRequest, overLimit } from '../policy.js';
import type { KvStore } from '../types.js';

/** Longest key, in bytes of UTF-8. */
export const MAX_KV_KEY_BYTES = 512;
/** Largest value, in bytes of UTF-8. */
export const MAX_KV_VALUE_BYTES = 1024 * 1024;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS kv (
  ns TEXT NOT NULL,
  key TEXT NOT NULL,
  value TEXT NOT NULL,
  bytes INTEGER NOT NULL,
  PRIMARY KEY (ns, key)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS kv_usage (
  ns TEXT PRIMARY KEY,
  bytes INTEGER NOT NULL
) WITHOUT ROWID;
`;

function checkKey(namespace: string, key: string): number {
  const bytes = Buffer.byteLength(key, 'utf8');
  if (key === '' || key.includes('\0') || !key.isWellFormed()) {
    throw badRequest(`${namespace}: kv key must be a non-empty, well-formed string without NUL`);
  }
  if (bytes > MAX_KV_KEY_BYTES) {
    throw overLimit(`${namespace}: kv key is ${bytes} bytes; the limit is ${MAX_KV_KEY_BYTES}`);
  }
  return bytes;
}

/**
 * Opens (or creates) the key-value store of a host in a SQLite file (WAL). Every plugin gets its own namespace;
 * `set` enforces the namespace's quota on the sum of key and value bytes, keys of at most 512 bytes and values
 * of at most 1 MiB.
 *
 * @throws ROKU_CAPABILITY_LIMIT from `set` when a key, value or the byte quota is exceeded;
 *   ROKU_CAPABILITY_QUOTA_EXCEEDED when a new key would pass `maxKeys`
 * @example
 * const kv = createKvStore(join(home, 'state', 'kv.db'));
 * kv.set('@acme/weather', 'last-city', 'Oslo', manifest.limits.storageBytes);
 */
export function createKvStore(dbFile: string): KvStore {
  mkdirSync(dirname(dbFile), { recursive: true });
  const db = new Database(dbFile);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('busy_timeout = 5000');
  db.exec(SCHEMA);

  const getValue = db.prepare<[string, string], { value: string }>(
    'SELECT value FROM kv WHERE ns = ? AND key = ?',
  );
  const getBytes = db.prepare<[string, string], { bytes: number }>(
    'SELECT bytes FROM kv WHERE ns = ? AND key = ?',
  );
  const getUsage = db.prepare<[string], { bytes: number }>('SELECT bytes FROM kv_usage WHERE ns = ?');
  const upsert = db.prepare<[string, string, string, number]>(
    'INSERT INTO kv (ns, key, value, bytes) VALUES (?, ?, ?, ?) ON CONFLICT (ns, key) DO UPDATE SET value = excluded.value, bytes = excluded.bytes',
  );
  const remove = db.prepare<[string, string]>('DELETE FROM kv WHERE ns = ? AND key = ?');
  const addUsage = db.prepare<[string, number]>(
    'INSERT INTO kv_usage (ns, bytes) VALUES (?, ?) ON CONFLICT (ns) DO UPDATE SET bytes = bytes + excluded.bytes',
  );
  const countKeys = db.prepare<[string], { n: number }>('SELECT COUNT(*) AS n FROM kv WHERE ns = ?');
  const keysFrom = db.prepare<[string, string], { key: string }>(
    'SELECT key FROM kv WHERE ns = ? AND key >= ? ORDER BY key',
  );

  const usage = (namespace: string): number => getUsage.get(namespace)?.bytes ?? 0;

  const set = db.transaction(
    (namespace: string, key: string, value: string, quota: number, maxKeys: number) => {
      const keyBytes = checkKey(namespace, key);
      if (!value.isWellFormed()) throw badRequest(`${namespace}: kv value must be a well-formed string`);
      const valueBytes = Buffer.byteLength(value, 'utf8');
      if (valueBytes > MAX_KV_VALUE_BYTES) {
        throw overLimit(
          `${namespace}: kv value for ${JSON.stringify(key.slice(0, 64))} is ${valueBytes} bytes; the limit is ${MAX_KV_VALUE_BYTES}`,
        );
      }
      const entryBytes = keyBytes + valueBytes;
      const existing = getBytes.get(namespace, key)?.bytes;
      const previous = existing ?? 0;
      if (existing === undefined && Number.isFinite(maxKeys)) {
        const keys = countKeys.get(namespace)?.n ?? 0;
        if (keys >= maxKeys) {
          throw new RokuError(
            'ROKU_CAPABILITY_QUOTA_EXCEEDED',
            `${namespace}: kv storage holds ${keys} keys; limits.storageKeys is ${maxKeys} (delete one or raise the limit)`,
            { details: { limit: 'storageKeys', max: maxKeys, used: keys } },
          );
        }
      }
      const after = usage(namespace) - previous + entryBytes;
      if (after > quota) {
        throw overLimit(
          `${namespace}: kv storage would hold ${after} bytes; permissions allow limits.storageBytes = ${quota}`,
          {
            usedBytes: after - entryBytes + previous,
            quotaBytes: quota,
          },
        );
      }
      upsert.run(namespace, key, value, entryBytes);
      addUsage.run(namespace, entryBytes - previous);
    },
  );

  const moveKeys = db.prepare<[string, string]>('UPDATE kv SET ns = ? WHERE ns = ?');
  const moveUsage = db.prepare<[string, string]>('UPDATE kv_usage SET ns = ? WHERE ns = ?');
  const adopt = db.transaction((from: string, to: string): boolean => {
    if ((countKeys.get(to)?.n ?? 0) > 0 || (countKeys.get(from)?.n ?? 0) === 0) return false;
    db.prepare('DELETE FROM kv_usage WHERE ns = ?').run(to);
    moveKeys.run(to, from);
    moveUsage.run(to, from);
    return true;
  });

  const del = db.transaction((namespace: string, key: string) => {
    const previous = getBytes.get(namespace, key)?.bytes;
    if (previous === undefined) return;
    remove.run(namespace, key);
    addUsage.run(namespace, -previous);
  });

  return {
    get(namespace, key) {
      checkKey(namespace, key);
      return getValue.get(namespace, key)?.value ?? null;
    },
    set(namespace, key, value, quotaBytes, maxKeys = Number.POSITIVE_INFINITY) {
      set(namespace, key, value, quotaBytes, maxKeys);
    },
    delete(namespace, key) {
      checkKey(namespace, key);
      del(namespace, key);
    },
    adopt(from, to) {
      return adopt(from, to);
    },
    list(namespace, prefix, limit) {
      if (!prefix.isWellFormed()) throw badRequest(`${namespace}: kv prefix must be a well-formed string`);
      const keys: string[] = [];
      for (const row of keysFrom.iterate(namespace, prefix)) {
        if (!row.key.startsWith(prefix) || keys.length >= limit) break;
        keys.push(row.key);
      }
      return keys;
    },
    usage,
    close() {
      db.close();
    },
  };
}
