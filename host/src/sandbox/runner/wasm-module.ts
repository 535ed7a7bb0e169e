// Reading, checking and compiling a wasm plugin's entry: everything refused here never reaches instantiation.
import { readFile } from 'node:fs/promises';
import type { LoadMessage } from '../protocol.js';
import { loadFailed } from './engine.js';
import { capMemoryMaximum, memoryProblems, readMemoryLimits } from './wasm-limits.js';
import type { CompiledModule } from './wasm-worker.js';

/** Imports a Roku wasm plugin may have: the Extism kernel and Roku's own host functions. */
const ALLOWED_IMPORTS = new Map<string, ReadonlySet<string> | 'any'>([
  ['extism:host/env', 'any'],
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

function describeImports(module: CompiledModule): string[] {
  const problems: string[] = [];
  for (const imp of wasmApi().Module.imports(module)) {
    const allowed = ALLOWED_IMPORTS.get(imp.module);
    if (allowed === undefined || (allowed !== 'any' && !allowed.has(imp.name))) {
      problems.push(`the module imports ${imp.module}::${imp.name}, which Roku does not provide (no WASI)`);
    }
  }
  const exports = new Set(
    wasmApi()
      .Module.exports(module)
      .map((e) => e.name),
  );
  for (const name of REQUIRED_EXPORTS)
    if (!exports.has(name)) problems.push(`the module does not export ${name}`);
  return problems;
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
  const importProblems = describeImports(module);
  if (importProblems.length > 0) {
    throw loadFailed(`${msg.entryPath}: ${importProblems.join('; ')}`, { problems: importProblems });
  }
  return module;
}
