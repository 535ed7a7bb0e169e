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
export async function readBundle(entryPath: string): Promise<string> {
  let bytes: Buffer;
  try {
    bytes = await readFile(entryPath);
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
  /** base64 of a new code cache; absent when the given cache was accepted. */
  readonly codeCache?: string;
}

/**
 * Compiles a bundle, consuming `codeCacheBase64` when given. V8 produces a fresh cache when there was none or
 * it was rejected (other V8 version or other bytes), so the host can replace what it stored.
 */
export async function compileBundle(
  isolate: ivm.Isolate,
  code: string,
  filename: string,
  codeCacheBase64?: string,
): Promise<CompiledBundle> {
  const given = codeCacheBase64 === undefined ? undefined : Buffer.from(codeCacheBase64, 'base64');
  const cachedData =
    given === undefined || given.length === 0 ? undefined : new ivm.ExternalCopy(toArrayBuffer(given));
  let script: CachedScript;
  try {
    script = await isolate.compileScript(code, {
      filename,
      produceCachedData: true,
      ...(cachedData === undefined ? {} : { cachedData }),
    });
  } catch (e) {
    throw loadFailed(
      `${filename}: the bundle does not compile: ${e instanceof Error ? e.message : String(e)}`,
    );
  } finally {
    cachedData?.release();
  }
  const accepted = cachedData !== undefined && script.cachedDataRejected !== true;
  if (accepted || script.cachedData === undefined) return { script };
  const produced = Buffer.from(script.cachedData.copy()).toString('base64');
  script.cachedData.release();
  return { script, codeCache: produced };
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
