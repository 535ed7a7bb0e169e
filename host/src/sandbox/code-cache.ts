/*
 * V8 code caches of plugin bundles, kept in memory and, when a folder is given, on disk across restarts: a
 * cold load of a large bundle then skips most of its compile. A cache is keyed by the sha256 of the entry file
 * and the V8 version; V8 itself checks it against the source when it is used and rejects a mismatch (the
 * runner then compiles normally and the fresh cache replaces the stored one), so a corrupt or foreign file
 * costs one ordinary compile, never wrong code.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';

export interface CodeCacheStore {
  /** The cache of the entry with this content hash, as base64, if one is known. */
  get(entryHash: string): string | undefined;
  set(entryHash: string, base64: string): void;
}

const HASH = /^[0-9a-f]{64}$/;

export function createCodeCacheStore(dir: string | undefined, log: Logger): CodeCacheStore {
  const memory = new Map<string, string>();
  const fileOf = (entryHash: string): string => join(dir ?? '', `${entryHash}-v8-${process.versions.v8}.bin`);
  return {
    get(entryHash) {
      const known = memory.get(entryHash);
      if (known !== undefined || dir === undefined || !HASH.test(entryHash)) return known;
      try {
        const base64 = readFileSync(fileOf(entryHash)).toString('base64');
        memory.set(entryHash, base64);
        return base64;
      } catch {
        return undefined; // none stored yet (or unreadable): compile without
      }
    },
    set(entryHash, base64) {
      memory.set(entryHash, base64);
      if (dir === undefined || !HASH.test(entryHash)) return;
      const file = fileOf(entryHash);
      const temp = `${file}.${process.pid}.tmp`;
      try {
        mkdirSync(dir, { recursive: true });
        writeFileSync(temp, Buffer.from(base64, 'base64'));
        renameSync(temp, file);
      } catch (err) {
        // A cache that cannot be written only costs the next cold load its compile time.
        log.warn({ err, file }, 'code cache not stored');
      }
    },
  };
}
