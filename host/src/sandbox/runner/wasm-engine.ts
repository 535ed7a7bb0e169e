/**
 * The wasm engine: loaded plugins live in worker threads (wasm-worker.ts), several to a worker, each its own
 * Extism instance. The limits are enforced on this side: memory maximum checked (and capped) before
 * instantiation (wasm-module.ts), one call at a time per plugin with a bounded queue, wall and CPU deadlines,
 * and an output byte cap (wasm-calls.ts). A plugin stopped for a limit, a trap or a crash is disposed
 * (`onDisposed`); the host loads it again when needed.
 */
import type { LoadMessage } from '../protocol.js';
import type { CallOutcome, Engine, EngineDeps, LoadOutcome, PluginStats } from './engine.js';
import { loadFailed, wireError } from './engine.js';
import { createWasmCalls } from './wasm-calls.js';
import { WASM_PAGE_BYTES } from './wasm-limits.js';
import { compileEntry } from './wasm-module.js';
import { CpuWindow, cpuMsPerMinuteOf, pluginIdOf } from './isolate-cpu-window.js';

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
      const spec = {
        module,
        memoryPages: maxPages,
        blockPages: maxPages,
        outputBytes: msg.limits.outputBytes,
      };
      const { plugin, added } = await calls.host(msg.pluginKey, msg.limits, spec, msg.entryPath);
      plugin.cpuMs += added.cpuMs;
      cpuWindow(plugin.key).charge(performance.now(), added.cpuMs);
      plugin.memBytes = added.memBytes;
      const { description } = added;
      if (!description.ok) {
        const error = wireError('ROKU_SANDBOX_LOAD_FAILED', description.message);
        calls.stop(plugin, { ok: false, error }, error);
        throw loadFailed(`${msg.entryPath}: describe failed: ${description.message}`);
      }
      plugins.set(plugin.key, plugin);
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
