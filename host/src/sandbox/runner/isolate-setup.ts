/**
 * Building blocks of an isolate load: the prelude (evaluated by the build into a V8 startup snapshot that every
 * isolate starts from, so each new context of an isolate begins with the prelude already evaluated, in a
 * pristine copy of its own) and the plugin bundle (compiled with the host's code cache when it has one). Where
 * the snapshot does not match this runtime, the prelude is compiled once per isolate from a shared code cache and
 * run in each realm instead.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import ivm from 'isolated-vm';
import { readCodeCacheFile } from '../code-cache.js';
import type { LoadMessage } from '../protocol.js';
import { loadFailed } from './engine.js';

/** Where the build puts the bundled prelude, relative to this file in dist/sandbox/runner/. */
const PRELUDE_URL = new URL('../prelude.js', import.meta.url);
/** The build's snapshot of the evaluated prelude; what it was made from is in the `.json` beside it. */
const SNAPSHOT_URL = new URL('../prelude.snapshot', import.meta.url);
/** Bundles larger than this are refused before compiling. */
export const MAX_BUNDLE_BYTES = 64 * 1024 * 1024;

type CachedScript = ivm.Script & { cachedData?: ivm.ExternalCopy<ArrayBuffer>; cachedDataRejected?: boolean };

/** The prelude, read once; the V8 code cache from its first compile is reused by every later isolate. */
export class Prelude {
  readonly #source: Promise<string>;
  #cache: ivm.ExternalCopy<ArrayBuffer> | undefined;
  readonly #snapshotUrl: URL;
  /** The startup snapshot with the prelude evaluated, once read and checked; resolves undefined when unusable. */
  #snapshot: Promise<ivm.ExternalCopy<ArrayBuffer> | undefined> | undefined;

  constructor(url: URL = PRELUDE_URL, snapshotUrl: URL = SNAPSHOT_URL) {
    this.#snapshotUrl = snapshotUrl;
    this.#source = readFile(url, 'utf8');
    // surfaced on first load instead; keeps a missing build from crashing the runner at startup
    this.#source.catch(() => undefined);
  }

  /**
   * The V8 startup snapshot of a context in which the prelude was evaluated (made by the build, see
   * host/scripts/prelude-snapshot.mjs). An isolate created from it gives every new context its own fresh copy
   * of that state: no context can change what the next one starts from. It holds only the prelude (trusted code,
   * no References: the runner bridge is wired per realm by `__roku_boot`); plugin code never runs in it.
   * Used only when it was made from this prelude by this V8 and isolated-vm (a foreign snapshot would crash V8,
   * not fail); otherwise undefined: use `compile` and run the prelude in every realm.
   */
  snapshot(): Promise<ivm.ExternalCopy<ArrayBuffer> | undefined> {
    this.#snapshot ??= this.#loadSnapshot().catch(() => undefined);
    return this.#snapshot;
  }

  async #loadSnapshot(): Promise<ivm.ExternalCopy<ArrayBuffer> | undefined> {
    const [source, blob, metaText] = await Promise.all([
      this.#source,
      readFile(this.#snapshotUrl),
      readFile(new URL(`${this.#snapshotUrl.href}.json`), 'utf8'),
    ]);
    const meta = JSON.parse(metaText) as Record<string, unknown>;
    const expected: Record<string, unknown> = {
      v8: process.versions.v8,
      modules: process.versions.modules,
      platform: process.platform,
      arch: process.arch,
      isolatedVm: isolatedVmVersion(),
      prelude: sha256(source),
      snapshot: sha256(blob),
    };
    for (const [key, value] of Object.entries(expected)) if (meta[key] !== value) return undefined;
    return new ivm.ExternalCopy(toArrayBuffer(blob));
  }

  async #read(): Promise<string> {
    try {
      return await this.#source;
    } catch (e) {
      throw loadFailed(`the isolate prelude is missing (${String(e)}); build @roku/host first`);
    }
  }

  /**
   * Compiles the prelude for an isolate; the script is then run in every realm (context) of that isolate.
   * @throws RokuError ROKU_SANDBOX_LOAD_FAILED
   */
  async compile(isolate: ivm.Isolate): Promise<ivm.Script> {
    const source = await this.#read();
    const options = this.#cache === undefined ? { produceCachedData: true } : { cachedData: this.#cache };
    const script = (await isolate.compileScript(source, {
      filename: 'roku:prelude',
      ...options,
    })) as CachedScript;
    if (this.#cache === undefined) this.#cache = script.cachedData;
    return script;
  }
}

/** Reads a plugin bundle with a size cap. @throws RokuError ROKU_SANDBOX_LOAD_FAILED */
export function readBundle(entryPath: string): string {
  let bytes: Buffer;
  try {
    // one synchronous read (well under a millisecond from the page cache) instead of a thread-pool round trip
    // per 512 KB chunk
    bytes = readFileSync(entryPath);
  } catch (e) {
    throw loadFailed(
      `${entryPath}: cannot read the plugin entry (${(e as NodeJS.ErrnoException).code ?? String(e)})`,
      { entryPath },
    );
  }
  if (bytes.length > MAX_BUNDLE_BYTES) {
    throw loadFailed(`${entryPath}: the bundle has ${bytes.length} bytes, more than ${MAX_BUNDLE_BYTES}`, {
      entryPath,
    });
  }
  return bytes.toString('utf8');
}

export interface CompiledBundle {
  readonly script: ivm.Script;
  /** True when no usable cache was given: the caller stores one made after the bundle ran (codeCacheAfterRun). */
  readonly needsCache: boolean;
}

/**
 * Compiles a bundle, consuming the V8 code cache `given` when there is one. No cache is produced here: one made right after
 * compiling holds little more than the top level (V8 compiles functions lazily); see codeCacheAfterRun.
 */
export async function compileBundle(
  isolate: ivm.Isolate,
  code: string,
  filename: string,
  given?: Buffer,
): Promise<CompiledBundle> {
  const cachedData =
    given === undefined || given.length === 0 ? undefined : new ivm.ExternalCopy(toArrayBuffer(given));
  let script: CachedScript;
  try {
    script = await isolate.compileScript(code, {
      filename,
      ...(cachedData === undefined ? {} : { cachedData }),
    });
  } catch (e) {
    throw loadFailed(
      `${filename}: the bundle does not compile: ${e instanceof Error ? e.message : String(e)}`,
    );
  } finally {
    cachedData?.release();
  }
  return { script, needsCache: cachedData === undefined || script.cachedDataRejected === true };
}

/**
 * A code cache of a bundle that already ran in `isolate` (top level and describe): compiling the same source
 * again finds V8's in-isolate compilation cache, so the cache then also holds the functions compiled lazily so
 * far, and the next cold load compiles none of them. Undefined when V8 made none.
 */
export async function codeCacheAfterRun(
  isolate: ivm.Isolate,
  code: string,
  filename: string,
): Promise<Buffer | undefined> {
  let script: CachedScript;
  try {
    script = await isolate.compileScript(code, { filename, produceCachedData: true });
  } catch {
    return undefined; // a disposed isolate: the load reports why; no cache is no failure
  }
  const data = script.cachedData;
  script.release();
  if (data === undefined) return undefined;
  const bytes = Buffer.from(data.copy());
  data.release();
  return bytes;
}

/** Code caches a runner keeps in memory at most, in bytes (least recently used first out). */
const MAX_KEPT_CACHE_BYTES = 32 * 1024 * 1024;

/**
 * The code caches of the bundles this runner loaded, by the entry's content hash: a later load of the same
 * bytes (a reload, another version sharing a bundle) needs neither the file nor a copy over the pipe.
 */
export class CodeCaches {
  readonly #kept = new Map<string, Buffer>();
  #bytes = 0;

  /** The cache a load names: kept in memory, else read and verified from the host's file, else sent inline. */
  find(msg: LoadMessage): Buffer | undefined {
    const { entryHash, codeCacheFile, codeCache } = msg;
    if (entryHash !== undefined) {
      const kept = this.#kept.get(entryHash);
      if (kept !== undefined) {
        this.#kept.delete(entryHash);
        this.#kept.set(entryHash, kept);
        return kept;
      }
      const read = codeCacheFile === undefined ? undefined : readCodeCacheFile(codeCacheFile, entryHash);
      if (read !== undefined) {
        this.keep(entryHash, read);
        return read;
      }
    }
    return codeCache === undefined ? undefined : Buffer.from(codeCache, 'base64');
  }

  /** Keeps `cache` for later loads of the entry (replacing one V8 rejected). */
  keep(entryHash: string, cache: Buffer): void {
    this.drop(entryHash);
    if (cache.length > MAX_KEPT_CACHE_BYTES) return;
    this.#kept.set(entryHash, cache);
    this.#bytes += cache.length;
    for (const [hash, old] of this.#kept) {
      if (this.#bytes <= MAX_KEPT_CACHE_BYTES) break;
      this.#kept.delete(hash);
      this.#bytes -= old.length;
    }
  }

  drop(entryHash: string): void {
    const old = this.#kept.get(entryHash);
    if (old === undefined) return;
    this.#kept.delete(entryHash);
    this.#bytes -= old.length;
  }
}

/** Heap limits a runner keeps a spare isolate for (the most recently loaded ones; each spare is ~1 MB idle). */
const MAX_SPARE_LIMITS = 2;
/** Heap limits remembered as loaded once (a bound; limits are few in practice). */
const MAX_SEEN_LIMITS = 64;

/**
 * Isolates made ahead of the next load: creating one from the prelude snapshot takes milliseconds (the
 * snapshot is deserialized on the runner's thread), so one is made after a load, off its path, for the next
 * load with the same memory limit (a heap limit is fixed when an isolate is made; the spares cover the last few
 * limits loaded). Only a limit loaded before gets one: making a spare holds the runner's thread for as long as
 * it saves, so one made after each of a burst of first loads (a host starting) would hold up the next load
 * instead. The exception is the manifests' default limit, which most plugins have: its spare is made after the
 * runner's first load, so the first load of a default-limit plugin after another load finds one (after a
 * restart, the host's later loads). A spare never ran any code of a plugin: it is handed out once, never back.
 */
export class SpareIsolates {
  readonly #make: (memoryMb: number) => ivm.Isolate;
  /** By heap limit, least recently loaded first. */
  readonly #spares = new Map<number, ivm.Isolate | undefined>();
  /** Heap limits loaded once so far (no spare made for them yet). */
  readonly #seen = new Set<number>();
  #pending: NodeJS.Immediate | undefined;

  /**
   * @param make creates an isolate (from the snapshot when there is one) with this heap limit
   * @param usualMb the heap limit most plugins load with (a spare is made for it before its first load)
   */
  constructor(make: (memoryMb: number) => ivm.Isolate, usualMb?: number) {
    this.#make = make;
    if (usualMb !== undefined) this.#spares.set(usualMb, undefined);
  }

  /** A fresh isolate with this heap limit: the spare when there is one, else a new one. */
  take(memoryMb: number): ivm.Isolate {
    const wanted = this.#spares.has(memoryMb) || this.#seen.delete(memoryMb);
    const spare = this.#spares.get(memoryMb);
    this.#spares.delete(memoryMb);
    if (wanted) this.#spares.set(memoryMb, undefined);
    else if (this.#seen.add(memoryMb).size > MAX_SEEN_LIMITS) this.#seen.clear();
    if (spare !== undefined && !spare.isDisposed) return spare;
    return this.#make(memoryMb);
  }

  /**
   * Makes the spares taken since the last refill once the runner is idle (call it when a load has ended: after
   * its reply went out, not during its compile, which it would hold up).
   */
  refill(): void {
    while (this.#spares.size > MAX_SPARE_LIMITS) {
      const [oldest, isolate] = this.#spares.entries().next().value ?? [];
      if (oldest === undefined) break;
      this.#spares.delete(oldest);
      if (isolate !== undefined) disposeQuietly(isolate);
    }
    if (this.#pending !== undefined) return;
    this.#pending = setImmediate(() => {
      this.#pending = undefined;
      for (const [memoryMb, isolate] of this.#spares) {
        if (isolate !== undefined) continue;
        try {
          this.#spares.set(memoryMb, this.#make(memoryMb));
        } catch {
          // the next load creates its own (and reports why it cannot)
        }
      }
    });
    this.#pending.unref();
  }
}

function disposeQuietly(isolate: ivm.Isolate): void {
  try {
    if (!isolate.isDisposed) isolate.dispose();
  } catch {
    // already gone
  }
}

function sha256(bytes: string | Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

function isolatedVmVersion(): unknown {
  const require = createRequire(import.meta.url);
  const pkg = JSON.parse(
    readFileSync(join(dirname(require.resolve('isolated-vm')), 'package.json'), 'utf8'),
  ) as { version?: unknown };
  return pkg.version;
}

function toArrayBuffer(buf: Buffer): ArrayBuffer {
  const out = new ArrayBuffer(buf.length);
  new Uint8Array(out).set(buf);
  return out;
}
