import { createHash } from 'node:crypto';
import { constants } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { mkdir, open, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import tar from 'tar-stream';
import type { ManifestValidator, PluginManifest } from '@roku/schemas';
import { MANIFEST_FILE_NAME, RokuError, createManifestValidator, isRokuError } from '@roku/schemas';
import { checkIntegrity } from './integrity.js';
import { MAX_GZIP_RATIO, RATIO_FLOOR_BYTES, TAR_OVERHEAD_PER_ENTRY } from './limits.js';
import { entryPath, readManifest } from './manifest.js';
import { collisionKey, comparePaths, packagePathProblem } from './paths.js';
import type { PackageContents, PackageFile } from './types.js';

/** Options of {@link unpackPlugin}. The caps are required: the caller decides what it is ready to store. */
export interface UnpackOptions {
  /** Most entries (files and folders) accepted. */
  readonly maxFiles: number;
  /** Most uncompressed file bytes accepted, counted while streaming. */
  readonly maxBytes: number;
  /** SRI digest (`sha512-…` or `sha256-…`) the archive bytes must have; checked before anything else. */
  readonly expectedIntegrity?: string;
  /** Most tar bytes per gzip byte once past 1 MiB; defaults to {@link MAX_GZIP_RATIO}. */
  readonly maxRatio?: number;
  /** A compiled manifest validator to reuse; one is compiled when omitted. */
  readonly validator?: ManifestValidator;
}

/** An extracted package: where it is, its validated manifest and every file with its digest. */
export interface UnpackedPlugin extends PackageContents {
  readonly dir: string;
}

type Caps = Required<Pick<UnpackOptions, 'maxFiles' | 'maxBytes' | 'maxRatio'>>;

function tooLarge(what: string, details: Record<string, unknown>): RokuError {
  return new RokuError('ROKU_REGISTRY_ARCHIVE_TOO_LARGE', `archive: ${what}`, { details });
}

// The archive is fed to gunzip in slices so the expansion ratio is measured against what was actually read.
const FEED_CHUNK_BYTES = 16 * 1024;

/**
 * Counts decompressed bytes and stops the stream once the tar budget is spent or, past 1 MiB, once the output
 * outgrows `maxRatio` times the compressed bytes read so far: a bomb is stopped after a few MiB, whatever its size.
 */
function inflationMeter(consumed: () => number, caps: Caps): Transform {
  const budget = caps.maxBytes + (caps.maxFiles + 1) * TAR_OVERHEAD_PER_ENTRY + 10_240;
  let inflated = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      inflated += chunk.byteLength;
      const compressed = consumed();
      if (inflated > budget) {
        callback(
          tooLarge(`expands past ${budget} tar bytes`, { limit: 'bytes', maxBytes: caps.maxBytes, inflated }),
        );
      } else if (inflated > RATIO_FLOOR_BYTES && inflated > compressed * caps.maxRatio) {
        callback(
          tooLarge(`expands more than ${caps.maxRatio}:1`, {
            limit: 'ratio',
            maxRatio: caps.maxRatio,
            compressed,
            inflated,
          }),
        );
      } else callback(null, chunk);
    },
  });
}

function feed(bytes: Uint8Array): { source: Readable; consumed: () => number } {
  let consumed = 0;
  function* slices(): Generator<Uint8Array> {
    for (let offset = 0; offset < bytes.byteLength; offset += FEED_CHUNK_BYTES) {
      const slice = bytes.subarray(offset, offset + FEED_CHUNK_BYTES);
      consumed += slice.byteLength;
      yield slice;
    }
  }
  const source = Readable.from(slices(), { objectMode: false, highWaterMark: FEED_CHUNK_BYTES });
  return { source, consumed: () => consumed };
}

/** Entries an extraction with `select` may pass over before it gives up (a whole repository's tarball). */
const MAX_SKIPPED_ENTRIES = 200_000;

/** Keeps an archive path (renamed: the returned path) or leaves it out (undefined). */
export type EntrySelector = (path: string) => string | undefined;

class Extraction {
  private entries = 0;
  private skipped = 0;
  /** Bytes of left-out entries (the gzip ratio cap still bounds them). */
  skippedBytes = 0;
  select: EntrySelector | undefined;
  private bytes = 0;
  private readonly kinds = new Map<string, 'file' | 'dir'>();
  private readonly explicit = new Set<string>();
  readonly files: PackageFile[] = [];
  manifest: PluginManifest | undefined;

  constructor(
    private readonly dest: string,
    private readonly caps: Caps,
    private readonly validator: ManifestValidator | undefined,
  ) {}

  async entry(raw: tar.Header, body: AsyncIterable<unknown>): Promise<void> {
    let header = raw;
    if (this.select !== undefined) {
      const kept = this.select(raw.name.replace(/\/$/, ''));
      if (kept === undefined || kept === '') {
        this.skipped += 1;
        if (this.skipped > MAX_SKIPPED_ENTRIES) {
          throw tooLarge(`holds more than ${MAX_SKIPPED_ENTRIES} entries`, {
            limit: 'files',
            maxFiles: MAX_SKIPPED_ENTRIES,
          });
        }
        // A left-out entry's bytes are read and dropped: the stream moves on only once they are consumed.
        for await (const chunk of body) this.skippedBytes += (chunk as Buffer).byteLength;
        return;
      }
      header = { ...raw, name: raw.type === 'directory' ? `${kept}/` : kept };
    }
    this.entries += 1;
    if (this.entries > this.caps.maxFiles) {
      throw tooLarge(`holds more than ${this.caps.maxFiles} entries`, {
        limit: 'files',
        maxFiles: this.caps.maxFiles,
      });
    }
    // tar-stream reports typeflags it does not know as null.
    const type = (header.type as string | null) ?? 'unknown';
    if (type !== 'file' && type !== 'directory') {
      throw new RokuError('ROKU_REGISTRY_UNSUPPORTED_ENTRY', `archive: ${header.name}: is a ${type} entry`, {
        details: { path: header.name, type, linkname: header.linkname },
      });
    }
    const path = type === 'directory' ? header.name.replace(/\/$/, '') : header.name;
    const problem = packagePathProblem(path);
    if (problem !== undefined) {
      throw new RokuError('ROKU_REGISTRY_UNSAFE_PATH', `archive: ${JSON.stringify(path)} ${problem}`, {
        details: { path, problem },
      });
    }
    this.claim(path, type === 'file' ? 'file' : 'dir');
    const target = join(this.dest, ...path.split('/'));
    if (type === 'directory') {
      await mkdir(target, { recursive: true, mode: 0o755 });
      return;
    }
    const size = header.size;
    if (this.bytes + size > this.caps.maxBytes) {
      throw tooLarge(`${path}: ${size} bytes would pass the ${this.caps.maxBytes} byte cap`, {
        limit: 'bytes',
        path,
        maxBytes: this.caps.maxBytes,
      });
    }
    await mkdir(dirname(target), { recursive: true, mode: 0o755 });
    // O_EXCL | O_NOFOLLOW: never write through anything that was already there.
    const flags = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;
    const handle = await open(target, flags, 0o644);
    const written = await this.write(handle, path, body).finally(() => handle.close());
    this.files.push({ path, size: written.size, sha256: written.sha256 });
    if (path === MANIFEST_FILE_NAME && this.validator !== undefined)
      this.manifest = readManifest(this.validator, written.data, 'archive');
  }

  private async write(
    handle: FileHandle,
    path: string,
    body: AsyncIterable<unknown>,
  ): Promise<{ size: number; sha256: string; data: Buffer }> {
    const hash = createHash('sha256');
    const kept: Buffer[] = [];
    let size = 0;
    for await (const data of body) {
      const chunk = data as Buffer;
      size += chunk.byteLength;
      this.bytes += chunk.byteLength;
      if (this.bytes > this.caps.maxBytes) {
        throw tooLarge(`passes the ${this.caps.maxBytes} byte cap at ${path}`, { limit: 'bytes', path });
      }
      hash.update(chunk);
      if (path === MANIFEST_FILE_NAME && this.validator !== undefined) kept.push(chunk);
      await handle.write(chunk);
    }
    return { size, sha256: hash.digest('hex'), data: Buffer.concat(kept) };
  }

  /** Refuses a path seen before (case-insensitively) and a file standing where a folder is needed. */
  private claim(path: string, kind: 'file' | 'dir'): void {
    const segments = path.split('/');
    const duplicate = (why: string): RokuError =>
      new RokuError('ROKU_REGISTRY_DUPLICATE_ENTRY', `archive: ${path}: ${why}`, { details: { path } });
    for (let i = 1; i < segments.length; i += 1) {
      const parent = collisionKey(segments.slice(0, i).join('/'));
      if (this.kinds.get(parent) === 'file') throw duplicate('a parent folder is also a file in the archive');
      this.kinds.set(parent, 'dir');
    }
    const key = collisionKey(path);
    const seen = this.kinds.get(key);
    if (this.explicit.has(key) || (seen !== undefined && seen !== kind)) {
      throw duplicate('appears more than once in the archive');
    }
    this.explicit.add(key);
    this.kinds.set(key, kind);
  }
}

async function extractInto(bytes: Uint8Array, extraction: Extraction, caps: Caps): Promise<void> {
  const extract = tar.extract();
  const { source, consumed } = feed(bytes);
  const feeding = pipeline(source, createGunzip(), inflationMeter(consumed, caps), extract);
  // Whichever side fails first wins; the other side's error is a consequence of tearing down.
  const fed = feeding.then(
    () => undefined,
    (err: unknown) => err,
  );
  try {
    for await (const entry of extract) await extraction.entry(entry.header, entry);
  } catch (err) {
    extract.destroy();
    // A teardown error from tar-stream hides the real cause, which the pipeline then reports.
    throw asArchiveError(isRokuError(err) ? err : ((await fed) ?? err));
  }
  const failure = await fed;
  if (failure !== undefined) throw asArchiveError(failure);
}

/** Roku errors pass through; anything gunzip or tar-stream throws means a malformed archive. */
function asArchiveError(err: unknown): unknown {
  if (isRokuError(err)) return err;
  return new RokuError('ROKU_REGISTRY_ARCHIVE_CORRUPT', `archive: ${(err as Error).message}`, { cause: err });
}

/**
 * Extracts a package archive into `destDir`, which must not exist yet (stage into a fresh folder, then rename).
 * The integrity is checked on the exact bytes first; every limit is enforced while streaming, so a bomb is
 * stopped before it fills the disk. On any failure `destDir` is removed again.
 *
 * @throws ROKU_REGISTRY_BAD_INTEGRITY, ROKU_REGISTRY_INTEGRITY before anything is written.
 * @throws ROKU_REGISTRY_DEST_EXISTS when `destDir` exists.
 * @throws ROKU_REGISTRY_UNSAFE_PATH, ROKU_REGISTRY_UNSUPPORTED_ENTRY, ROKU_REGISTRY_DUPLICATE_ENTRY,
 *   ROKU_REGISTRY_ARCHIVE_TOO_LARGE, ROKU_REGISTRY_ARCHIVE_CORRUPT for what the archive holds.
 * @throws ROKU_REGISTRY_MANIFEST_MISSING, ROKU_REGISTRY_MANIFEST_INVALID, ROKU_REGISTRY_ENTRY_MISSING.
 * @example
 * await unpackPlugin(bytes, stagingDir, { maxFiles: 1000, maxBytes: 64 << 20, expectedIntegrity });
 */
export async function unpackPlugin(
  bytes: Uint8Array,
  destDir: string,
  options: UnpackOptions,
): Promise<UnpackedPlugin> {
  if (options.expectedIntegrity !== undefined) checkIntegrity(bytes, options.expectedIntegrity);
  const caps: Caps = {
    maxFiles: options.maxFiles,
    maxBytes: options.maxBytes,
    maxRatio: options.maxRatio ?? MAX_GZIP_RATIO,
  };
  await mkdir(dirname(destDir), { recursive: true });
  try {
    await mkdir(destDir, { mode: 0o755 });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    throw new RokuError('ROKU_REGISTRY_DEST_EXISTS', `${destDir}: already exists`, {
      details: { dir: destDir },
    });
  }
  const extraction = new Extraction(destDir, caps, options.validator ?? createManifestValidator());
  try {
    await extractInto(bytes, extraction, caps);
    const { manifest } = extraction;
    if (manifest === undefined) {
      throw new RokuError(
        'ROKU_REGISTRY_MANIFEST_MISSING',
        `archive: has no ${MANIFEST_FILE_NAME} at its root`,
      );
    }
    const entry = entryPath(manifest);
    if (!extraction.files.some((f) => f.path === entry)) {
      throw new RokuError('ROKU_REGISTRY_ENTRY_MISSING', `archive: ${entry}: the runtime entry is missing`, {
        details: { path: entry },
      });
    }
    const files = [...extraction.files].sort((a, b) => comparePaths(a.path, b.path));
    return { dir: destDir, manifest, files };
  } catch (err) {
    await rm(destDir, { recursive: true, force: true });
    throw err;
  }
}

/**
 * Extracts any `.tar.gz` into `destDir` (which must not exist) with the same rules as {@link unpackPlugin}
 * (safe relative paths, files and folders only, entry, byte and ratio caps while streaming) but no manifest:
 * for archives that are not plugin packages, such as Agent Skills. On failure `destDir` is removed.
 *
 * @throws the archive errors of {@link unpackPlugin}, ROKU_REGISTRY_DEST_EXISTS.
 */
export async function unpackTarGz(
  bytes: Uint8Array,
  destDir: string,
  options: Pick<UnpackOptions, 'maxFiles' | 'maxBytes' | 'maxRatio'> & {
    /**
     * Extracts only the entries it keeps, under the path it returns (e.g. one folder of a repository's
     * tarball); the caps count kept entries, and at most 200000 are passed over. Kept paths are checked as usual.
     */
    readonly select?: EntrySelector;
  },
): Promise<{ readonly dir: string; readonly files: readonly PackageFile[] }> {
  const caps: Caps = {
    maxFiles: options.maxFiles,
    maxBytes: options.maxBytes,
    maxRatio: options.maxRatio ?? MAX_GZIP_RATIO,
  };
  await mkdir(dirname(destDir), { recursive: true });
  await mkdir(destDir, { mode: 0o755 }).catch((err: unknown) => {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    throw new RokuError('ROKU_REGISTRY_DEST_EXISTS', `${destDir}: already exists`, {
      details: { dir: destDir },
    });
  });
  const extraction = new Extraction(destDir, caps, undefined);
  extraction.select = options.select;
  try {
    await extractInto(bytes, extraction, caps);
    return { dir: destDir, files: [...extraction.files].sort((a, b) => comparePaths(a.path, b.path)) };
  } catch (err) {
    await rm(destDir, { recursive: true, force: true });
    throw err;
  }
}
