/**
 * Building blocks of an isolate load: the prelude (read once per runner, compiled once per isolate from a
 * shared V8 code cache, run in each of its realms) and the plugin bundle (compiled with the host's code cache when it has one).
 */
import { readFile } from 'node:fs/promises';
import ivm from 'isolated-vm';
import { loadFailed } from './engine.js';

/** Where the build puts the bundled prelude, relative to this file in dist/sandbox/runner/. */
const PRELUDE_URL = new URL('../prelude.js', import.meta.url);
/** Bundles larger than this are refused before compiling. */
export const MAX_BUNDLE_BYTES = 64 * 1024 * 1024;

type CachedScript = ivm.Script & { cachedData?: ivm.ExternalCopy<ArrayBuffer>; cachedDataRejected?: boolean };

/** The prelude, read once; the V8 code cache from its first compile is reused by every later isolate. */
export class Prelude {
  readonly #source: Promise<string>;
  #cache: ivm.ExternalCopy<ArrayBuffer> | undefined;

  constructor(url: URL = PRELUDE_URL) {
    this.#source = readFile(url, 'utf8');
    // surfaced on first load instead; keeps a missing build from crashing the runner at startup
    this.#source.catch(() => undefined);
  }

  /**
   * Compiles the prelude for an isolate; the script is then run in every realm (context) of that isolate.
   * @throws RokuError ROKU_SANDBOX_LOAD_FAILED
   */
  async compile(isolate: ivm.Isolate): Promise<ivm.Script> {
    let source: string;
    try {
      source = await this.#source;
    } catch (e) {
      throw loadFailed(`the isolate prelude is missing (${String(e)}); build @roku/host first`);
    }
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

function toArrayBuffer(buf: Buffer): ArrayBuffer {
  const out = new ArrayBuffer(buf.length);
  new Uint8Array(out).set(buf);
  return out;
}
