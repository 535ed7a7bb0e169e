/**
 * The wasm engine: every loaded plugin gets its own worker thread (wasm-worker.ts) holding one Extism instance.
 * This side enforces the limits: memory maximum checked (and capped) before instantiation (wasm-module.ts), one
 * call at a time per instance with a bounded queue, wall and CPU deadlines that terminate the worker, and an
 * output byte cap (wasm-calls.ts). A terminated or crashed worker disposes the plugin (`onDisposed`); the host
 * loads it again when needed.
 */
import { Worker } from 'node:worker_threads';
import { MAX_CAPABILITY_MESSAGE_BYTES } from '../protocol.js';
import type { LoadMessage } from '../protocol.js';
import type { CallOutcome, Engine, EngineDeps, LoadOutcome, PluginStats } from './engine.js';
import { loadFailed, wireError } from './engine.js';
import { createWasmCalls } from './wasm-calls.js';
import type { WasmCalls, WasmPlugin } from './wasm-calls.js';
import { WASM_PAGE_BYTES } from './wasm-limits.js';
import { compileEntry } from './wasm-module.js';
import { CpuWindow, cpuMsPerMinuteOf, pluginIdOf } from './isolate-cpu-window.js';
import type { CompiledModule, FromWorker, WasmWorkerData, WorkerCallResult } from './wasm-worker.js';

/** Floor of the worker's JS heap: the Extism SDK itself needs a few MiB. */
const MIN_WORKER_HEAP_MB = 16;

function workerUrl(): URL {
  // Tests import the engine from src/ (as .ts); Node strips the worker's types itself.
  const ext = import.meta.url.endsWith('.ts') ? 'ts' : 'js';
  return new URL(`./wasm-worker.${ext}`, import.meta.url);
}

/** Spawns the worker and waits for its describe; the load's wall limit is the call's. */
function spawn(msg: LoadMessage, module: CompiledModule, maxPages: number, calls: WasmCalls) {
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
      } else if (m.t === 'cap') calls.onCapability(plugin, m);
      else calls.onResult(plugin, m);
    });
  });
  return { plugin, ready };
}

/** After a successful load: a worker error or exit kills the plugin (OOM reported as such). */
function watch(plugin: WasmPlugin, calls: WasmCalls): void {
  plugin.worker.on('error', (err: Error & { code?: string }) => {
    const error =
      err.code === 'ERR_WORKER_OUT_OF_MEMORY'
        ? wireError('ROKU_SANDBOX_OOM', `the plugin exceeded its ${plugin.limits.memoryMb} MiB heap`)
        : wireError('ROKU_SANDBOX_CRASHED', `the plugin's worker failed: ${err.message}`);
    calls.kill(plugin, error);
  });
  plugin.worker.on('exit', (code) => {
    calls.kill(plugin, wireError('ROKU_SANDBOX_CRASHED', `the plugin's worker exited with code ${code}`));
  });
}

/**
 * Creates the wasm engine. Guest CPU time is estimated by the wall time the guest runs synchronously in its
 * worker (time suspended in capability requests excluded): an upper bound of its CPU time, so the CPU deadline
 * never fires late. The exact per-call thread CPU (`process.threadCpuUsage` in the worker) is what gets reported.
 */
export function createWasmEngine(deps: EngineDeps): Engine {
  const calls = createWasmCalls(deps);
  const { plugins, callsById } = calls;
  /** CPU windows per plugin id (limits.cpuMsPerMinute), kept across reloads for as long as the runner lives. */
  const cpuWindows = new Map<string, CpuWindow>();
  const cpuWindow = (pluginKey: string): CpuWindow => {
    const id = pluginIdOf(pluginKey);
    let window = cpuWindows.get(id);
    if (window === undefined) {
      window = new CpuWindow();
      cpuWindows.set(id, window);
    }
    return window;
  };

  return {
    async load(msg: LoadMessage): Promise<LoadOutcome> {
      const started = performance.now();
      const maxPages = Math.floor((msg.limits.memoryMb * 1_048_576) / WASM_PAGE_BYTES);
      const module = await compileEntry(msg, maxPages);
      const existing = plugins.get(msg.pluginKey);
      if (existing !== undefined) this.unload(existing.key);
      const { plugin, ready } = spawn(msg, module, maxPages, calls);
      let description: WorkerCallResult;
      try {
        const m = await ready;
        description = m.description;
        plugin.cpuMs += m.cpuMs;
        cpuWindow(plugin.key).charge(performance.now(), m.cpuMs);
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
      watch(plugin, calls);
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
      const window = cpuWindow(pluginKey);
      const perMinute = cpuMsPerMinuteOf(plugin.limits);
      const spent =
        perMinute === undefined ? undefined : window.refusal(pluginKey, perMinute, performance.now());
      if (spent !== undefined) return Promise.resolve({ ok: false, error: spent });
      return calls.enqueue(plugin, id, requestJson).then((outcome) => {
        window.charge(performance.now(), outcome.cpuMs ?? 0);
        return outcome;
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
      calls.settle(call, {
        ok: false,
        error: wireError('ROKU_SANDBOX_UNLOADED', `call ${id} was cancelled`),
      });
      return true;
    },

    unload(pluginKey: string): boolean {
      const plugin = plugins.get(pluginKey);
      if (plugin === undefined) return false;
      const error = wireError('ROKU_SANDBOX_UNLOADED', `${pluginKey} was unloaded`);
      calls.stop(plugin, { ok: false, error }, error);
      return true;
    },

    stats(): PluginStats[] {
      return [...plugins.values()].map((p) => ({ pluginKey: p.key, heapBytes: p.memBytes, cpuMs: p.cpuMs }));
    },
  };
}
