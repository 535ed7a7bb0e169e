// The calls of wasm plugins: one at a time per instance with a bounded queue, wall and CPU deadlines that
// terminate the worker, the output byte cap, and capability requests relayed while the guest is suspended.
import type { Worker } from 'node:worker_threads';
import type { RunnerLimits, WireError } from '../protocol.js';
import type { CallOutcome, EngineDeps } from './engine.js';
import { wireError } from './engine.js';
import type { FromWorker, ToWorker, WorkerCallResult } from './wasm-worker.js';
import { capabilityError } from './capability-client.js';
import { exceedsJsonDepth } from '../safe-json.js';

/** Capability requests nested deeper are answered here, unsent (the host allows 64 levels; see bridge.js). */
const MAX_CAP_DEPTH = 66;

export interface QueuedCall {
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

export interface WasmPlugin {
  readonly key: string;
  readonly limits: RunnerLimits;
  readonly worker: Worker;
  readonly queue: QueuedCall[];
  running: QueuedCall | undefined;
  stopped: boolean;
  cpuMs: number;
  memBytes: number;
}

export interface WasmCalls {
  /** Loaded plugins by key. */
  readonly plugins: Map<string, WasmPlugin>;
  readonly callsById: Map<number, { plugin: WasmPlugin; call: QueuedCall }>;
  settle(call: QueuedCall, outcome: CallOutcome): void;
  /** Stops the worker and fails every call; `reason` set means the engine decided it (host is told). */
  stop(plugin: WasmPlugin, running: CallOutcome, others: WireError, reason?: WireError): void;
  /** Stops the worker because of `error`: the running call fails with it, queued ones as unloaded. */
  kill(plugin: WasmPlugin, error: WireError): void;
  /** Queues a call; it starts when the instance is free. */
  enqueue(plugin: WasmPlugin, id: number, requestJson: string): Promise<CallOutcome>;
  onCapability(plugin: WasmPlugin, msg: Extract<FromWorker, { t: 'cap' }>): void;
  onResult(plugin: WasmPlugin, msg: Extract<FromWorker, { t: 'result' }>): void;
}

/** A CallResponse error, as the plugin ABI reports a plugin's own failure. */
function pluginError(code: string, message: string): string {
  return JSON.stringify({ ok: false, error: { code, message } });
}

function successOutcome(output: string, limits: RunnerLimits, cpuMs: number): CallOutcome {
  const bytes = Buffer.byteLength(output);
  if (bytes <= limits.outputBytes) return { ok: true, response: output, cpuMs };
  const message = `the plugin returned ${bytes} bytes; the limit is ${limits.outputBytes}`;
  return { ok: false, error: wireError('ROKU_SANDBOX_OUTPUT_TOO_LARGE', message), cpuMs };
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

export function createWasmCalls(deps: EngineDeps): WasmCalls {
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

  const stop: WasmCalls['stop'] = (plugin, running, others, reason) => {
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

  return {
    plugins,
    callsById,
    settle,
    stop,
    kill,
    enqueue: (plugin, id, requestJson) =>
      new Promise<CallOutcome>((resolve) => {
        // The wall deadline counts from arrival, so a queued call never outlives the host's own timer.
        const wallTimer = setTimeout(() => {
          const limitMs = plugin.limits.wallMsPerCall;
          const message = `call ${id} took longer than ${limitMs} ms`;
          const error = wireError('ROKU_SANDBOX_TIMEOUT', message, { limit: 'wall', limitMs });
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
      }),
    onCapability(plugin, msg) {
      const call = plugin.running;
      if (exceedsJsonDepth(msg.request, MAX_CAP_DEPTH)) {
        const response = capabilityError(
          'ROKU_CAPABILITY_BAD_REQUEST',
          `capability request is nested deeper than ${MAX_CAP_DEPTH} levels`,
        );
        plugin.worker.postMessage({ t: 'cap-reply', capId: msg.capId, response } satisfies ToWorker);
        return;
      }
      if (call !== undefined) endSegment(call);
      void deps.requestCapability(plugin.key, msg.callId, msg.request).then((response) => {
        if (plugin.stopped) return;
        if (call !== undefined && plugin.running === call) startSegment(plugin, call);
        plugin.worker.postMessage({ t: 'cap-reply', capId: msg.capId, response } satisfies ToWorker);
      });
    },
    onResult(plugin, msg) {
      const call = plugin.running;
      if (call === undefined || call.id !== msg.id) return;
      endSegment(call);
      plugin.running = undefined;
      plugin.cpuMs += msg.cpuMs;
      plugin.memBytes = msg.memBytes;
      const { result } = msg;
      if (result.ok) settle(call, successOutcome(result.output, plugin.limits, msg.cpuMs));
      else {
        const { outcome, dispose } = failureOutcome(result, plugin.limits, msg.cpuMs);
        settle(call, outcome);
        if (dispose !== undefined) {
          kill(plugin, dispose);
          return;
        }
      }
      pump(plugin);
    },
  };
}
