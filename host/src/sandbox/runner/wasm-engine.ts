/**
 * The wasm engine: every loaded plugin gets its own worker thread (wasm-worker.ts) holding one Extism instance.
 * This side enforces the limits: memory maximum checked (and capped) before instantiation, one call at a time per
 * instance with a bounded queue, wall and CPU deadlines that terminate the worker, and an output byte cap.
 * A terminated or crashed worker disposes the plugin (`onDisposed`); the host loads it again when needed.
 */
import { readFile } from 'node:fs/promises';
import { Worker } from 'node:worker_threads';
import { MAX_CAPABILITY_MESSAGE_BYTES } from '../protocol.js';
import type { LoadMessage, RunnerLimits, WireError } from '../protocol.js';
import type { CallOutcome, Engine, EngineDeps, LoadOutcome, PluginStats } from './engine.js';
import { loadFailed, wireError } from './engine.js';
import { WASM_PAGE_BYTES, capMemoryMaximum, memoryProblems, readMemoryLimits } from './wasm-limits.js';
import type {
  CompiledModule,
  FromWorker,
  ToWorker,
  WasmWorkerData,
  WorkerCallResult,
} from './wasm-worker.js';

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
/** Floor of the worker's JS heap: the Extism SDK itself needs a few MiB. */
const MIN_WORKER_HEAP_MB = 16;

interface QueuedCall {
  readonly id: number;
  readonly request: string;
  readonly resolve: (outcome: CallOutcome) => void;
  readonly wallTimer: NodeJS.Timeout;
  settled: boolean;
  /** Wall time the guest ran (not suspended in a capability request), as the CPU estimate for the deadline. */
  runMs: number;
  segmentStart: number | undefined;
  cpuTimer: NodeJS.Timeout | undefined;
}

interface WasmPlugin {
  readonly key: string;
  readonly limits: RunnerLimits;
  readonly worker: Worker;
  readonly queue: QueuedCall[];
  running: QueuedCall | undefined;
  stopped: boolean;
  cpuMs: number;
  memBytes: number;
}

function workerUrl(): URL {
  // Tests import the engine from src/ (as .ts); Node strips the worker's types itself.
  const ext = import.meta.url.endsWith('.ts') ? 'ts' : 'js';
  return new URL(`./wasm-worker.${ext}`, import.meta.url);
}

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

/** Reads, checks and compiles the entry; everything refused here never reaches instantiation. */
async function compileEntry(msg: LoadMessage, maxPages: number): Promise<CompiledModule> {
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

/** Maps a failed in-worker call to the outcome the runner reports; `dispose` says the instance is unusable. */
function failureOutcome(
  result: Extract<WorkerCallResult, { ok: false }>,
  limits: RunnerLimits,
  cpuMs: number,
): { outcome: CallOutcome; dispose?: WireError } {
  switch (result.kind) {
    case 'plugin':
      return { outcome: { ok: true, response: pluginError('PLUGIN_ERROR', result.message), cpuMs } };
    case 'trap': {
      const reason = wireError('ROKU_SANDBOX_CRASHED', `the plugin trapped: ${result.message}`);
      return {
        outcome: { ok: true, response: pluginError('WASM_TRAP', result.message), cpuMs },
        dispose: reason,
      };
    }
    case 'oom': {
      const error = wireError(
        'ROKU_SANDBOX_OOM',
        `the plugin ran out of its ${limits.memoryMb} MiB of memory`,
      );
      return { outcome: { ok: false, error, cpuMs }, dispose: error };
    }
    case 'too-large':
      return {
        outcome: { ok: false, error: wireError('ROKU_SANDBOX_OUTPUT_TOO_LARGE', result.message), cpuMs },
      };
    case 'no-output':
      return { outcome: { ok: false, error: wireError('ROKU_SANDBOX_BAD_OUTPUT', result.message), cpuMs } };
  }
}

/** A CallResponse error, as the plugin ABI reports a plugin's own failure. */
function pluginError(code: string, message: string): string {
  return JSON.stringify({ ok: false, error: { code, message } });
}

/**
 * Creates the wasm engine. Guest CPU time is estimated by the wall time the guest runs synchronously in its
 * worker (time suspended in capability requests excluded): an upper bound of its CPU time, so the CPU deadline
 * never fires late. The exact per-call thread CPU (`process.threadCpuUsage` in the worker) is what gets reported.
 */
export function createWasmEngine(deps: EngineDeps): Engine {
  const plugins = new Map<string, WasmPlugin>();
  const callsById = new Map<number, { plugin: WasmPlugin; call: QueuedCall }>();

  const settle = (call: QueuedCall, outcome: CallOutcome): void => {
    if (call.settled) return;
    call.settled = true;
    clearTimeout(call.wallTimer);
    clearTimeout(call.cpuTimer);
    callsById.delete(call.id);
    call.resolve(outcome);
  };

  /** Stops the worker and fails every call; `reason` set means the engine decided it (host is told). */
  const stop = (plugin: WasmPlugin, running: CallOutcome, others: WireError, reason?: WireError): void => {
    if (plugin.stopped) return;
    plugin.stopped = true;
    plugins.delete(plugin.key);
    void plugin.worker.terminate();
    if (plugin.running !== undefined) settle(plugin.running, running);
    for (const call of plugin.queue.splice(0)) settle(call, { ok: false, error: others });
    if (reason !== undefined) deps.onDisposed(plugin.key, reason);
  };

  const kill = (plugin: WasmPlugin, error: WireError): void => {
    const others = wireError('ROKU_SANDBOX_UNLOADED', `the plugin's sandbox was stopped: ${error.message}`);
    stop(plugin, { ok: false, error }, others, error);
  };

  const startSegment = (plugin: WasmPlugin, call: QueuedCall): void => {
    call.segmentStart = performance.now();
    const left = Math.max(0, plugin.limits.cpuMsPerCall - call.runMs);
    call.cpuTimer = setTimeout(() => {
      const message = `call ${call.id} used more than ${plugin.limits.cpuMsPerCall} ms of CPU time`;
      const details = { limit: 'cpu', limitMs: plugin.limits.cpuMsPerCall };
      kill(plugin, wireError('ROKU_SANDBOX_TIMEOUT', message, details));
    }, left);
  };

  const endSegment = (call: QueuedCall): void => {
    clearTimeout(call.cpuTimer);
    call.cpuTimer = undefined;
    if (call.segmentStart !== undefined) call.runMs += performance.now() - call.segmentStart;
    call.segmentStart = undefined;
  };

  const pump = (plugin: WasmPlugin): void => {
    if (plugin.stopped || plugin.running !== undefined) return;
    const next = plugin.queue.shift();
    if (next === undefined) return;
    plugin.running = next;
    startSegment(plugin, next);
    plugin.worker.postMessage({ t: 'call', id: next.id, input: next.request } satisfies ToWorker);
  };

  const onCapability = (plugin: WasmPlugin, msg: Extract<FromWorker, { t: 'cap' }>): void => {
    const call = plugin.running;
    if (call !== undefined) endSegment(call);
    void deps.requestCapability(plugin.key, msg.callId, msg.request).then((response) => {
      if (plugin.stopped) return;
      if (call !== undefined && plugin.running === call) startSegment(plugin, call);
      plugin.worker.postMessage({ t: 'cap-reply', capId: msg.capId, response } satisfies ToWorker);
    });
  };

  const onResult = (plugin: WasmPlugin, msg: Extract<FromWorker, { t: 'result' }>): void => {
    const call = plugin.running;
    if (call === undefined || call.id !== msg.id) return;
    endSegment(call);
    plugin.running = undefined;
    plugin.cpuMs += msg.cpuMs;
    plugin.memBytes = msg.memBytes;
    const { result } = msg;
    if (result.ok) {
      const bytes = Buffer.byteLength(result.output);
      const outcome: CallOutcome =
        bytes > plugin.limits.outputBytes
          ? {
              ok: false,
              error: wireError(
                'ROKU_SANDBOX_OUTPUT_TOO_LARGE',
                `the plugin returned ${bytes} bytes; the limit is ${plugin.limits.outputBytes}`,
              ),
              cpuMs: msg.cpuMs,
            }
          : { ok: true, response: result.output, cpuMs: msg.cpuMs };
      settle(call, outcome);
    } else {
      const { outcome, dispose } = failureOutcome(result, plugin.limits, msg.cpuMs);
      if (dispose !== undefined) {
        settle(call, outcome);
        kill(plugin, dispose);
        return;
      }
      settle(call, outcome);
    }
    pump(plugin);
  };

  /** Spawns the worker and waits for its describe; the load's wall limit is the call's. */
  const spawn = (msg: LoadMessage, module: CompiledModule, maxPages: number) => {
    const { limits } = msg;
    const workerData: WasmWorkerData = {
      module,
      memoryPages: maxPages,
      blockPages: maxPages,
      outputBytes: limits.outputBytes,
      capabilityBytes: MAX_CAPABILITY_MESSAGE_BYTES,
    };
    const worker = new Worker(workerUrl(), {
      workerData,
      env: {},
      execArgv: ['--no-warnings'],
      resourceLimits: { maxOldGenerationSizeMb: Math.max(MIN_WORKER_HEAP_MB, limits.memoryMb) },
    });
    const plugin: WasmPlugin = {
      key: msg.pluginKey,
      limits,
      worker,
      queue: [],
      running: undefined,
      stopped: false,
      cpuMs: 0,
      memBytes: 0,
    };
    const ready = new Promise<Extract<FromWorker, { t: 'ready' }>>((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(loadFailed(`${msg.entryPath}: describe did not finish within ${limits.wallMsPerCall} ms`));
      }, limits.wallMsPerCall);
      const fail = (err: Error): void => {
        clearTimeout(timer);
        reject(loadFailed(`${msg.entryPath}: the plugin failed to start: ${err.message}`));
      };
      worker.once('error', fail);
      worker.once('exit', (code) => {
        fail(new Error(`worker exited with code ${code}`));
      });
      worker.on('message', (m: FromWorker) => {
        if (m.t === 'ready') {
          clearTimeout(timer);
          worker.off('error', fail);
          resolve(m);
        } else if (m.t === 'cap') onCapability(plugin, m);
        else onResult(plugin, m);
      });
    });
    return { plugin, ready };
  };

  const watch = (plugin: WasmPlugin): void => {
    plugin.worker.on('error', (err: Error & { code?: string }) => {
      const error =
        err.code === 'ERR_WORKER_OUT_OF_MEMORY'
          ? wireError('ROKU_SANDBOX_OOM', `the plugin exceeded its ${plugin.limits.memoryMb} MiB heap`)
          : wireError('ROKU_SANDBOX_CRASHED', `the plugin's worker failed: ${err.message}`);
      kill(plugin, error);
    });
    plugin.worker.on('exit', (code) => {
      kill(plugin, wireError('ROKU_SANDBOX_CRASHED', `the plugin's worker exited with code ${code}`));
    });
  };

  return {
    async load(msg: LoadMessage): Promise<LoadOutcome> {
      const started = performance.now();
      const maxPages = Math.floor((msg.limits.memoryMb * 1_048_576) / WASM_PAGE_BYTES);
      const module = await compileEntry(msg, maxPages);
      const existing = plugins.get(msg.pluginKey);
      if (existing !== undefined) this.unload(existing.key);
      const { plugin, ready } = spawn(msg, module, maxPages);
      let description: WorkerCallResult;
      try {
        const m = await ready;
        description = m.description;
        plugin.cpuMs += m.cpuMs;
        plugin.memBytes = m.memBytes;
      } catch (err) {
        plugin.stopped = true;
        void plugin.worker.terminate();
        throw err;
      }
      if (!description.ok) {
        plugin.stopped = true;
        void plugin.worker.terminate();
        throw loadFailed(`${msg.entryPath}: describe failed: ${description.message}`);
      }
      plugins.set(plugin.key, plugin);
      watch(plugin);
      return { description: description.output, loadMs: performance.now() - started };
    },

    call(pluginKey: string, id: number, requestJson: string): Promise<CallOutcome> {
      const plugin = plugins.get(pluginKey);
      if (plugin === undefined) {
        return Promise.resolve({
          ok: false,
          error: wireError('ROKU_SANDBOX_UNLOADED', `${pluginKey} is not loaded`),
        });
      }
      const pending = plugin.queue.length + (plugin.running === undefined ? 0 : 1);
      if (pending >= plugin.limits.concurrency) {
        const message = `${pluginKey} already has ${pending} calls; its concurrency limit is ${plugin.limits.concurrency}`;
        return Promise.resolve({ ok: false, error: wireError('ROKU_SANDBOX_BUSY', message) });
      }
      return new Promise<CallOutcome>((resolve) => {
        // The wall deadline counts from arrival, so a queued call never outlives the host's own timer.
        const wallTimer = setTimeout(() => {
          const error = wireError(
            'ROKU_SANDBOX_TIMEOUT',
            `call ${id} took longer than ${plugin.limits.wallMsPerCall} ms`,
            {
              limit: 'wall',
              limitMs: plugin.limits.wallMsPerCall,
            },
          );
          if (plugin.running === call) kill(plugin, error);
          else {
            plugin.queue.splice(plugin.queue.indexOf(call), 1);
            settle(call, { ok: false, error });
          }
        }, plugin.limits.wallMsPerCall);
        const call: QueuedCall = {
          id,
          request: requestJson,
          resolve,
          wallTimer,
          settled: false,
          runMs: 0,
          segmentStart: undefined,
          cpuTimer: undefined,
        };
        callsById.set(id, { plugin, call });
        plugin.queue.push(call);
        pump(plugin);
      });
    },

    cancel(id: number): boolean {
      const entry = callsById.get(id);
      if (entry === undefined) return false;
      const { plugin, call } = entry;
      // A running guest cannot be interrupted short of killing its worker: it finishes (or hits a deadline)
      // in the background and its result is dropped.
      const queued = plugin.queue.indexOf(call);
      if (queued >= 0) plugin.queue.splice(queued, 1);
      settle(call, { ok: false, error: wireError('ROKU_SANDBOX_UNLOADED', `call ${id} was cancelled`) });
      return true;
    },

    unload(pluginKey: string): boolean {
      const plugin = plugins.get(pluginKey);
      if (plugin === undefined) return false;
      const error = wireError('ROKU_SANDBOX_UNLOADED', `${pluginKey} was unloaded`);
      stop(plugin, { ok: false, error }, error);
      return true;
    },

    stats(): PluginStats[] {
      return [...plugins.values()].map((p) => ({ pluginKey: p.key, heapBytes: p.memBytes, cpuMs: p.cpuMs }));
    },
  };
}
