/*
 * V8 code caches of plugin bundles, kept in memory and, when a folder is given, on disk across restarts: a
 * cold load of a large bundle then skips most of its compile. A cache is keyed by the sha256 of the entry file
 * and the V8 version. On disk each file says which entry it belongs to and carries a sha256 of its bytes, checked
 * when it is read: V8 checks only the source's length and its own version and flags (release builds skip its
 * checksum), so a truncated, damaged or misplaced file is dropped here and costs one ordinary compile (the fresh
 * cache then replaces it), never wrong code.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';

export interface CodeCacheStore {
  /** The cache of the entry with this content hash, as base64, if one is known. */
  get(entryHash: string): string | undefined;
  set(entryHash: string, base64: string): void;
}

const HASH = /^[0-9a-f]{64}$/;
/** File format: MAGIC, the entry's sha256, the sha256 of the V8 cache bytes, then those bytes. */
const MAGIC = Buffer.from('RokuCC\u0000\u0002', 'latin1');
const HEADER_BYTES = MAGIC.length + 32 + 32;

function sha256(bytes: Buffer): Buffer {
  return createHash('sha256').update(bytes).digest();
}

/** The V8 cache stored in `file` for `entryHash`, or undefined when the file is not one. */
function verified(file: Buffer, entryHash: string): Buffer | undefined {
  if (file.length <= HEADER_BYTES || !file.subarray(0, MAGIC.length).equals(MAGIC)) return undefined;
  const entry = file.subarray(MAGIC.length, MAGIC.length + 32);
  if (entry.toString('hex') !== entryHash) return undefined;
  const payload = file.subarray(HEADER_BYTES);
  return sha256(payload).equals(file.subarray(MAGIC.length + 32, HEADER_BYTES)) ? payload : undefined;
}

export function createCodeCacheStore(dir: string | undefined, log: Logger): CodeCacheStore {
  const memory = new Map<string, string>();
  const fileOf = (entryHash: string): string => join(dir ?? '', `${entryHash}-v8-${process.versions.v8}.bin`);
  return {
    get(entryHash) {
      const known = memory.get(entryHash);
      if (known !== undefined || dir === undefined || !HASH.test(entryHash)) return known;
      let file: Buffer;
      try {
        file = readFileSync(fileOf(entryHash));
      } catch {
        return undefined; // none stored yet (or unreadable): compile without
      }
      const payload = verified(file, entryHash);
      if (payload === undefined) return undefined; // replaced by the cache this load produces
      const base64 = payload.toString('base64');
      memory.set(entryHash, base64);
      return base64;
    },
    set(entryHash, base64) {
      memory.set(entryHash, base64);
      if (dir === undefined || !HASH.test(entryHash)) return;
      const file = fileOf(entryHash);
      const temp = `${file}.${process.pid}.tmp`;
      const payload = Buffer.from(base64, 'base64');
      try {
        mkdirSync(dir, { recursive: true });
        writeFileSync(temp, Buffer.concat([MAGIC, Buffer.from(entryHash, 'hex'), sha256(payload), payload]));
        renameSync(temp, file);
      } catch (err) {
        // A cache that cannot be written only costs the next cold load its compile time.
        log.warn({ err, file }, 'code cache not stored');
      }
    },
  };
}
