import { mkdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import asc from 'assemblyscript/asc';
import { RokuError } from '@roku/schemas/errors';
import type { BundleResult } from './bundle.js';

/** Where an AssemblyScript plugin's source lives, relative to the plugin folder. */
export const ASSEMBLYSCRIPT_ENTRY = 'assembly/index.ts';
/** The abort handler of `@roku/plugin-api/assembly`, as asc names it when resolved from node_modules. */
const ABORT_HANDLER = 'abort=~lib/@roku/plugin-api/assembly/host/rokuAbort';
const DEFAULT_MEMORY_MB = 64;
const PAGES_PER_MB = 16;
/** asc's DiagnosticCategory: 2 warning, 3 error. */
const WARNING = 2;
const ERROR = 3;

export interface AssemblyScriptOptions {
  /** The plugin folder (holds roku.plugin.json and assembly/index.ts). */
  readonly dir: string;
  /** Output file, relative to dir; default the manifest's runtime.entry. */
  readonly outFile?: string;
}

interface Diagnostic {
  readonly category: number;
  readonly code: number;
  readonly message: string;
  readonly range: { readonly start: number; readonly source: { readonly normalizedPath: string } } | null;
}

/** `file(line,col)` of a diagnostic; library sources under ~lib are looked up in the plugin's node_modules. */
function where(dir: string, d: Diagnostic): string {
  if (d.range === null) return '';
  const path = d.range.source.normalizedPath;
  const file = path.startsWith('~lib/') ? join(dir, 'node_modules', path.slice(5)) : resolve(dir, path);
  try {
    const before = readFileSync(file, 'utf8').slice(0, d.range.start);
    return `${path}(${before.split('\n').length},${d.range.start - before.lastIndexOf('\n')}): `;
  } catch {
    return `${path}: `;
  }
}

function fail(message: string, errors: readonly string[], cause?: unknown): RokuError {
  return new RokuError('ROKU_PLUGIN_BUILD_FAILED', message, {
    details: { errors },
    ...(cause === undefined ? {} : { cause }),
  });
}

/**
 * Compiles an AssemblyScript plugin (`<dir>/assembly/index.ts`, which imports `@roku/plugin-api/assembly` and
 * re-exports its `describe` and `call`) to the wasm file the manifest's `runtime.entry` names. The module's
 * memory maximum is the manifest's `limits.memoryMb` (default 64): the host refuses modules without one.
 *
 * @throws ROKU_PLUGIN_BUILD_FAILED with every compiler error as `file(line,col): TS<code>: message`.
 * @example await compileAssemblyScriptPlugin({ dir: 'examples/wasm-hello' });
 */
export async function compileAssemblyScriptPlugin(options: AssemblyScriptOptions): Promise<BundleResult> {
  const dir = resolve(options.dir);
  const manifest = JSON.parse(readFileSync(join(dir, 'roku.plugin.json'), 'utf8')) as {
    runtime?: { entry?: string };
    limits?: { memoryMb?: number };
  };
  const outFile = resolve(dir, options.outFile ?? manifest.runtime?.entry ?? 'dist/plugin.wasm');
  const source = join(dir, ASSEMBLYSCRIPT_ENTRY);
  const memoryPages = (manifest.limits?.memoryMb ?? DEFAULT_MEMORY_MB) * PAGES_PER_MB;
  const errors: string[] = [];
  const warnings: string[] = [];
  const stderr = asc.createMemoryStream();
  mkdirSync(dirname(outFile), { recursive: true });
  let result;
  try {
    result = await asc.main(
      [
        relative(dir, source),
        '--outFile',
        relative(dir, outFile),
        '--baseDir',
        dir,
        '-O',
        '--noAssert',
        '--maximumMemory',
        String(memoryPages),
        '--use',
        ABORT_HANDLER,
        '--noColors',
      ],
      {
        stdout: asc.createMemoryStream(),
        stderr,
        reportDiagnostic: (d: Diagnostic) => {
          const line = `${where(dir, d)}TS${d.code}: ${d.message}`;
          if (d.category === ERROR) errors.push(line);
          else if (d.category === WARNING) warnings.push(line);
        },
      },
    );
  } catch (err) {
    throw fail(`${dir}: the AssemblyScript compiler failed: ${(err as Error).message}`, [], err);
  }
  if (result.error !== null || errors.length > 0) {
    const lines = errors.length > 0 ? errors : [result.error?.message ?? stderr.toString().trim()];
    throw fail(`${dir}: build failed:\n  ${lines.join('\n  ')}`, lines, result.error ?? undefined);
  }
  const missing = missingAbiExports(readFileSync(outFile));
  if (missing.length > 0) {
    const line = `${ASSEMBLYSCRIPT_ENTRY}: the module does not export ${missing.join(' and ')}, so the host cannot load it; add \`export { call, describe } from '@roku/plugin-api/assembly';\``;
    throw fail(`${dir}: build failed:\n  ${line}`, [line]);
  }
  return { outFile, bytes: statSync(outFile).size, warnings };
}

interface WasmModuleApi {
  readonly Module: { new (bytes: Uint8Array): object; exports(module: object): { name: string }[] };
}

/** The plugin ABI's exports (`describe`, `call`) a compiled module lacks. */
function missingAbiExports(bytes: Uint8Array): string[] {
  // This package's lib has no WebAssembly values (plugins never see them); the build runs on Node, which does.
  const wasm = (globalThis as unknown as { WebAssembly: WasmModuleApi }).WebAssembly;
  const exported = new Set(wasm.Module.exports(new wasm.Module(bytes)).map((e) => e.name));
  return ['describe', 'call'].filter((name) => !exported.has(name));
}
