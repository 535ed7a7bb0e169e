/*
 * V8 code caches of plugin bundles, on disk across restarts under the host's cache root (in memory only when no
 * folder is given): a cold load of a large bundle then skips most of its compile. A cache is keyed by the sha256
 * of the entry file and the V8 version. The host writes the files; a runner reads the one the host names in a
 * load (no bytes cross the process boundary) and keeps it in memory for later loads of the same bytes. Each file
 * says which entry it belongs to and carries a sha256 of its bytes, checked when it is read: V8 itself checks
 * only the source's length and its own version and flags (release builds skip its checksum), so a truncated,
 * damaged or misplaced file is dropped and costs one ordinary compile (the fresh cache replaces it), never
 * wrong code.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { LoadMessage } from './protocol.js';

/** What a load message says about the code cache of its entry. */
export type CodeCacheFields = Pick<LoadMessage, 'codeCache' | 'entryHash' | 'codeCacheFile'>;

export interface CodeCacheStore {
  /** How a load of the entry with this content hash finds its cache (a file the runner reads, or base64). */
  forLoad(entryHash: string): CodeCacheFields;
  /** Stores the cache a load produced (base64). */
  set(entryHash: string, base64: string): void;
}

const HASH = /^[0-9a-f]{64}$/;
/** File format: MAGIC, the entry's sha256, the sha256 of the V8 cache bytes, then those bytes. */
const MAGIC = Buffer.from('RokuCC\u0000\u0002', 'latin1');
const HEADER_BYTES = MAGIC.length + 32 + 32;
/** Larger files are not code caches of a bundle the runner would load (bundles stop at 64 MB). */
const MAX_FILE_BYTES = 256 * 1024 * 1024;

function sha256(bytes: Buffer): Buffer {
  return createHash('sha256').update(bytes).digest();
}

/**
 * The V8 cache stored in `file` for the entry with hash `entryHash`, or undefined when there is none or the
 * file is not one (wrong format, another entry's, damaged).
 */
export function readCodeCacheFile(file: string, entryHash: string): Buffer | undefined {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch {
    return undefined; // none stored yet (or unreadable): compile without
  }
  if (bytes.length <= HEADER_BYTES || bytes.length > MAX_FILE_BYTES) return undefined;
  if (!bytes.subarray(0, MAGIC.length).equals(MAGIC)) return undefined;
  if (bytes.subarray(MAGIC.length, MAGIC.length + 32).toString('hex') !== entryHash) return undefined;
  const payload = bytes.subarray(HEADER_BYTES);
  return sha256(payload).equals(bytes.subarray(MAGIC.length + 32, HEADER_BYTES)) ? payload : undefined;
}

export function createCodeCacheStore(dir: string | undefined, log: Logger): CodeCacheStore {
  // without a folder the caches live here and travel with each load
  const memory = new Map<string, string>();
  const fileOf = (entryHash: string): string => join(dir ?? '', `${entryHash}-v8-${process.versions.v8}.bin`);
  return {
    forLoad(entryHash) {
      if (dir !== undefined && HASH.test(entryHash)) return { entryHash, codeCacheFile: fileOf(entryHash) };
      const known = memory.get(entryHash);
      return known === undefined ? {} : { codeCache: known };
    },
    set(entryHash, base64) {
      if (dir === undefined || !HASH.test(entryHash)) {
        memory.set(entryHash, base64);
        return;
      }
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
