// The workers that host wasm plugins and the calls through them. Several plugins share a worker (its own
// V8 heap and event loop cost ~10 MiB; a plugin's instance tens of KiB); each plugin runs one call at a time
// with a bounded queue, wall and CPU deadlines, the output byte cap, and capability requests relayed while its
// guest is suspended. A guest running past a deadline can only be stopped by terminating its worker: the
// culprit is disposed, the other plugins there move to a new worker, and their calls that had not asked the
// host for anything run again there (they changed nothing outside their own fresh instance).
import type { RunnerLimits, WireError } from '../protocol.js';
import type { CallOutcome, EngineDeps } from './engine.js';
import { loadFailed, wireError } from './engine.js';
import { WasmPool } from './wasm-pool.js';
import type { WasmWorker } from './wasm-pool.js';
import type { FromWorker, WorkerCallResult, WorkerPluginSpec } from './wasm-worker.js';
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
  /** Capability requests it sent: a call that sent none may run again when its worker is lost. */
  capRequests: number;
  /** Times it was sent to a worker. */
  sends: number;
}

/** A load waiting for its describe. */
interface PendingLoad {
  readonly resolve: (msg: Extract<FromWorker, { t: 'added' }>) => void;
  readonly reject: (err: Error) => void;
  readonly timer: NodeJS.Timeout;
}

export interface WasmPlugin {
  readonly key: string;
  readonly slot: number;
  readonly limits: RunnerLimits;
  readonly spec: WorkerPluginSpec;
  home: WasmWorker<WasmPlugin>;
  loading: PendingLoad | undefined;
  readonly queue: QueuedCall[];
  running: QueuedCall | undefined;
  stopped: boolean;
  cpuMs: number;
  memBytes: number;
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

type Worker = WasmWorker<WasmPlugin>;
type Added = Extract<FromWorker, { t: 'added' }>;

export class WasmCalls {
  /** Loaded plugins by key. */
  readonly plugins = new Map<string, WasmPlugin>();
  readonly callsById = new Map<number, { plugin: WasmPlugin; call: QueuedCall }>();
  readonly #deps: EngineDeps;
  /** Calls sent to a worker and not answered yet (cancelled ones included: their guest still runs). */
  readonly #sent = new Map<number, WasmPlugin>();
  readonly #pool: WasmPool<WasmPlugin>;
  #nextSlot = 1;

  constructor(deps: EngineDeps) {
    this.#deps = deps;
    this.#pool = new WasmPool<WasmPlugin>({
      message: (w, m) => {
        this.#onMessage(w, m);
      },
      crash: (w, err) => {
        this.#onCrash(w, err);
      },
      check: (w) => {
        this.#checkCpu(w);
      },
    });
  }

  settle(call: QueuedCall, outcome: CallOutcome): void {
    if (call.settled) return;
    call.settled = true;
    clearTimeout(call.wallTimer);
    this.callsById.delete(call.id);
    call.resolve(outcome);
  }

  /**
   * Hosts a plugin in a worker and runs its describe; the caller adds it to `plugins` once the description
   * is accepted. @throws RokuError ROKU_SANDBOX_LOAD_FAILED
   */
  async host(
    key: string,
    limits: RunnerLimits,
    spec: WorkerPluginSpec,
    entryPath: string,
  ): Promise<{ plugin: WasmPlugin; added: Added }> {
    const slot = this.#nextSlot++;
    const home = this.#pool.acquire(limits);
    const plugin: WasmPlugin = {
      key,
      slot,
      limits,
      spec,
      home,
      loading: undefined,
      queue: [],
      running: undefined,
      stopped: false,
      cpuMs: 0,
      memBytes: 0,
    };
    const added = new Promise<Added>((resolve, reject) => {
      const timer = setTimeout(() => {
        const message = `${entryPath}: describe did not finish within ${limits.wallMsPerCall} ms`;
        const error = wireError('ROKU_SANDBOX_TIMEOUT', message);
        this.#failLoad(plugin, loadFailed(message));
        if (this.#runningIn(plugin.home)?.plugin === plugin) this.#lose(plugin.home, plugin, error);
        else this.stop(plugin, { ok: false, error }, error);
      }, limits.wallMsPerCall);
      plugin.loading = { resolve, reject, timer };
    });
    home.members.set(slot, plugin);
    this.#pool.sent(home);
    // the describe runs under a negative id in the worker's status, so the CPU check tells it from calls
    this.#pool.post(home, { t: 'add', slot, spec, describeId: -slot });
    try {
      return { plugin, added: await added };
    } catch (err) {
      const error = wireError('ROKU_SANDBOX_LOAD_FAILED', (err as Error).message);
      this.stop(plugin, { ok: false, error }, error);
      throw err instanceof Error && 'code' in err
        ? err
        : loadFailed(`${entryPath}: the plugin failed to start: ${(err as Error).message}`);
    }
  }

  /** Disposes a plugin: every call fails (the running one with `running`); `reason` set: the host is told. */
  stop(plugin: WasmPlugin, running: CallOutcome, others: WireError, reason?: WireError): void {
    if (plugin.stopped) return;
    this.#leave(plugin);
    plugin.stopped = true;
    // a plugin that never finished loading is not the host's to be told about: its load fails instead
    const loaded = this.plugins.get(plugin.key) === plugin;
    if (loaded) this.plugins.delete(plugin.key);
    this.#failLoad(plugin, loadFailed(`${plugin.key}: ${running.ok ? 'stopped' : running.error.message}`));
    if (plugin.running !== undefined) this.settle(plugin.running, running);
    plugin.running = undefined;
    for (const call of plugin.queue.splice(0)) this.settle(call, { ok: false, error: others });
    if (reason !== undefined && loaded) this.#deps.onDisposed(plugin.key, reason);
  }

  /** Queues a call; it starts when the plugin is free. */
  enqueue(plugin: WasmPlugin, id: number, requestJson: string): Promise<CallOutcome> {
    return new Promise<CallOutcome>((resolve) => {
      // The wall deadline counts from arrival, so a queued call never outlives the host's own timer.
      const wallTimer = setTimeout(() => {
        this.#wallTimeout(plugin, call);
      }, plugin.limits.wallMsPerCall);
      const call: QueuedCall = {
        id,
        request: requestJson,
        resolve,
        wallTimer,
        settled: false,
        capRequests: 0,
        sends: 0,
      };
      this.callsById.set(id, { plugin, call });
      plugin.queue.push(call);
      this.#pump(plugin);
    });
  }

  #kill(plugin: WasmPlugin, error: WireError): void {
    const others = wireError('ROKU_SANDBOX_UNLOADED', `the plugin's sandbox was stopped: ${error.message}`);
    this.stop(plugin, { ok: false, error }, others, error);
  }

  /** The plugin whose guest runs in `w` right now, if any, and how long that call's guest has run. */
  #runningIn(w: Worker): { plugin: WasmPlugin; id: number; runMs: number } | undefined {
    const running = this.#pool.running(w);
    if (running === undefined) return undefined;
    const plugin =
      running.id > 0 ? (this.#sent.get(running.id) ?? w.orphans.get(running.id)) : w.members.get(-running.id);
    return plugin === undefined ? undefined : { plugin, ...running };
  }

  /** Takes a plugin out of its worker without stopping the worker (unless it was the last one there). */
  #leave(plugin: WasmPlugin): void {
    const w = plugin.home;
    if (w.members.get(plugin.slot) !== plugin) return;
    w.members.delete(plugin.slot);
    if (plugin.running !== undefined && this.#sent.get(plugin.running.id) === plugin) {
      // a call already sent may still start there (or be running): its CPU stays policed until the worker
      // answers it, which it does at once for a guest suspended when the plugin is dropped
      this.#sent.delete(plugin.running.id);
      w.orphans.set(plugin.running.id, plugin);
    }
    if (w.members.size === 0) this.#pool.retire(w);
    else this.#pool.post(w, { t: 'drop', slot: plugin.slot });
  }

  #failLoad(plugin: WasmPlugin, err: Error): void {
    const { loading } = plugin;
    if (loading === undefined) return;
    plugin.loading = undefined;
    plugin.home.busy -= 1;
    clearTimeout(loading.timer);
    loading.reject(err);
  }

  /**
   * The worker is gone (terminated for a deadline, out of memory, crashed): `culprit` is disposed with `error`;
   * every other plugin there moves to a new worker, its call running again there when it asked nothing of
   * the host (and had not been sent twice already), failing as a bystander otherwise.
   */
  #lose(w: Worker, culprit: WasmPlugin | undefined, error: WireError): void {
    if (w.dead) return;
    const members = [...w.members.values()];
    this.#pool.retire(w);
    for (const plugin of members) {
      const call = plugin.running;
      if (call !== undefined) this.#sent.delete(call.id);
      if (plugin === culprit) this.#kill(plugin, error);
      else if (plugin.loading !== undefined) this.stop(plugin, { ok: false, error }, error);
      else {
        plugin.running = undefined;
        if (call !== undefined && !call.settled) {
          if (call.capRequests === 0 && call.sends < 2) plugin.queue.unshift(call);
          else {
            const message = `the call's worker was stopped because of another plugin there: ${error.message}`;
            const crashed = wireError('ROKU_SANDBOX_CRASHED', message, { bystander: true });
            this.settle(call, { ok: false, error: crashed });
          }
        }
        plugin.home = this.#pool.acquire(plugin.limits);
        plugin.home.members.set(plugin.slot, plugin);
        this.#pool.post(plugin.home, {
          t: 'add',
          slot: plugin.slot,
          spec: plugin.spec,
          describeId: undefined,
        });
        this.#pump(plugin);
      }
    }
  }

  /** The CPU check of one worker: the guest running there past its call's CPU limit ends the worker. */
  #checkCpu(w: Worker): void {
    const running = this.#runningIn(w);
    if (running === undefined) return;
    const limitMs = running.plugin.limits.cpuMsPerCall;
    if (running.runMs <= limitMs) return;
    // over by wall time: stopped only once its thread's CPU time says so too (where that can be read)
    const cpuMs = this.#pool.runningCpuMs(w);
    if (cpuMs !== undefined && cpuMs <= limitMs) return;
    const what = running.id > 0 ? `call ${running.id}` : 'describe';
    const message = `${what} used more than ${limitMs} ms of CPU time`;
    this.#lose(w, running.plugin, wireError('ROKU_SANDBOX_TIMEOUT', message, { limit: 'cpu', limitMs }));
  }

  #onMessage(w: Worker, m: FromWorker): void {
    if (m.t === 'cap') this.#onCapability(w, m);
    else if (m.t === 'result') this.#onResult(w, m);
    else {
      const plugin = w.members.get(m.slot);
      const loading = plugin?.loading;
      if (plugin === undefined || loading === undefined) return;
      w.busy -= 1;
      plugin.loading = undefined;
      clearTimeout(loading.timer);
      loading.resolve(m);
    }
  }

  #onCrash(w: Worker, err: (Error & { code?: string }) | undefined): void {
    const running = this.#runningIn(w);
    const error =
      err?.code === 'ERR_WORKER_OUT_OF_MEMORY'
        ? wireError(
            'ROKU_SANDBOX_OOM',
            `the plugin exceeded its ${running?.plugin.limits.memoryMb ?? w.heapMb} MiB heap`,
          )
        : wireError(
            'ROKU_SANDBOX_CRASHED',
            err === undefined ? "the plugin's worker exited" : `the plugin's worker failed: ${err.message}`,
          );
    this.#lose(w, running?.plugin, error);
  }

  #pump(plugin: WasmPlugin): void {
    if (plugin.stopped || plugin.running !== undefined || plugin.loading !== undefined) return;
    const next = plugin.queue.shift();
    if (next === undefined) return;
    plugin.running = next;
    next.sends += 1;
    this.#sent.set(next.id, plugin);
    this.#pool.sent(plugin.home);
    this.#pool.post(plugin.home, { t: 'call', slot: plugin.slot, id: next.id, input: next.request });
  }

  /** The call's wall deadline: a guest running now ends its worker; a suspended or waiting one only itself. */
  #wallTimeout(plugin: WasmPlugin, call: QueuedCall): void {
    const limitMs = plugin.limits.wallMsPerCall;
    const message = `call ${call.id} took longer than ${limitMs} ms`;
    const error = wireError('ROKU_SANDBOX_TIMEOUT', message, { limit: 'wall', limitMs });
    if (plugin.running === call) {
      if (this.#runningIn(plugin.home)?.id === call.id) this.#lose(plugin.home, plugin, error);
      else this.#kill(plugin, error);
    } else {
      plugin.queue.splice(plugin.queue.indexOf(call), 1);
      this.settle(call, { ok: false, error });
    }
  }

  #onCapability(w: Worker, msg: Extract<FromWorker, { t: 'cap' }>): void {
    const plugin = this.#sent.get(msg.callId);
    if (plugin === undefined || plugin.home !== w) return;
    if (exceedsJsonDepth(msg.request, MAX_CAP_DEPTH)) {
      const response = capabilityError(
        'ROKU_CAPABILITY_BAD_REQUEST',
        `capability request is nested deeper than ${MAX_CAP_DEPTH} levels`,
      );
      this.#pool.post(w, { t: 'cap-reply', capId: msg.capId, response });
      return;
    }
    if (plugin.running !== undefined) plugin.running.capRequests += 1;
    void this.#deps.requestCapability(plugin.key, msg.callId, msg.request).then((response) => {
      if (!plugin.stopped) this.#pool.post(w, { t: 'cap-reply', capId: msg.capId, response });
    });
  }

  #onResult(w: Worker, msg: Extract<FromWorker, { t: 'result' }>): void {
    if (w.orphans.delete(msg.id)) {
      w.busy -= 1;
      return;
    }
    const plugin = this.#sent.get(msg.id);
    const call = plugin?.running;
    if (plugin === undefined || plugin.home !== w || call === undefined || call.id !== msg.id) return;
    this.#sent.delete(msg.id);
    w.busy -= 1;
    plugin.running = undefined;
    plugin.cpuMs += msg.cpuMs;
    plugin.memBytes = msg.memBytes;
    const { result } = msg;
    if (result.ok) this.settle(call, successOutcome(result.output, plugin.limits, msg.cpuMs));
    else {
      const { outcome, dispose } = failureOutcome(result, plugin.limits, msg.cpuMs);
      this.settle(call, outcome);
      if (dispose !== undefined) {
        this.#kill(plugin, dispose);
        return;
      }
    }
    this.#pump(plugin);
  }
}

export function createWasmCalls(deps: EngineDeps): WasmCalls {
  return new WasmCalls(deps);
}
