// Reading, checking and compiling a wasm plugin's entry: everything refused here never reaches instantiation.
import { readFile } from 'node:fs/promises';
import { RokuError } from '@roku/schemas/errors';
import type { LoadMessage } from '../protocol.js';
import { loadFailed } from './engine.js';
import { capMemoryMaximum, memoryProblems, readMemoryLimits } from './wasm-limits.js';
import type { CompiledModule } from './wasm-worker.js';

/**
 * Imports a Roku wasm plugin may have: Roku's own host functions, and the Extism kernel functions that only
 * move bytes between the guest and its own memory, input and output. Every other kernel function reaches
 * something (HTTP requests, host config, variables kept across calls, an unmetered log) that Roku offers
 * only through the checked `roku_cap` capability, so it is refused at load.
 */
const ALLOWED_IMPORTS = new Map<string, ReadonlySet<string>>([
  [
    'extism:host/env',
    new Set([
      'alloc',
      'free',
      'length',
      'length_unsafe',
      'load_u8',
      'load_u64',
      'store_u8',
      'store_u64',
      'input_offset',
      'input_length',
      'input_load_u8',
      'input_load_u64',
      'output_set',
      'error_set',
      'error_get',
    ]),
  ],
  ['extism:host/user', new Set(['roku_cap', 'roku_abort'])],
]);
/** The slice of the WebAssembly JS API used here; the repo's lib (ES2024, no DOM) has no types for it. */
interface WasmApi {
  compile(bytes: Uint8Array): Promise<CompiledModule>;
  readonly Module: {
    imports(module: CompiledModule): readonly { readonly module: string; readonly name: string }[];
    exports(module: CompiledModule): readonly { readonly name: string }[];
  };
}
const wasmApi = (): WasmApi => (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;
const REQUIRED_EXPORTS = ['describe', 'call'] as const;

/** Imports the module has that Roku does not provide, as `module::name`. */
export function refusedImports(
  imports: readonly { readonly module: string; readonly name: string }[],
): string[] {
  return imports
    .filter((imp) => ALLOWED_IMPORTS.get(imp.module)?.has(imp.name) !== true)
    .map((imp) => `${imp.module}::${imp.name}`);
}

function missingExports(module: CompiledModule): string[] {
  const exports = new Set(
    wasmApi()
      .Module.exports(module)
      .map((e) => e.name),
  );
  return REQUIRED_EXPORTS.filter((name) => !exports.has(name)).map(
    (name) => `the module does not export ${name}`,
  );
}

/** Reads, checks and compiles the entry; its memory maximum is checked and capped at `maxPages`. */
export async function compileEntry(msg: LoadMessage, maxPages: number): Promise<CompiledModule> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(msg.entryPath);
  } catch (err) {
    throw loadFailed(`${msg.entryPath}: cannot read the wasm entry: ${(err as Error).message}`);
  }
  let problems: string[];
  try {
    problems = memoryProblems(readMemoryLimits(bytes), maxPages);
    if (problems.length === 0) bytes = capMemoryMaximum(bytes, maxPages);
  } catch (err) {
    throw loadFailed(`${msg.entryPath}: ${(err as Error).message}`);
  }
  if (problems.length > 0) throw loadFailed(`${msg.entryPath}: ${problems.join('; ')}`, { problems });
  let module: CompiledModule;
  try {
    module = await wasmApi().compile(bytes);
  } catch (err) {
    throw loadFailed(`${msg.entryPath}: not a valid wasm module: ${(err as Error).message}`);
  }
  const refused = refusedImports(wasmApi().Module.imports(module));
  if (refused.length > 0) {
    throw new RokuError(
      'ROKU_SANDBOX_IMPORT_REFUSED',
      `${msg.entryPath}: the module imports ${refused.join(', ')}, which Roku does not provide: a wasm plugin ` +
        'may import only the host capability functions (extism:host/user roku_cap, roku_abort) and the Extism ' +
        'memory and input/output functions; reach the network and the host through capabilities (roku_cap)',
      { details: { entryPath: msg.entryPath, imports: refused } },
    );
  }
  const missing = missingExports(module);
  if (missing.length > 0) throw loadFailed(`${msg.entryPath}: ${missing.join('; ')}`, { problems: missing });
  return module;
}
