// The worker threads that host wasm plugins (wasm-worker.ts), several plugins to a worker: a Node worker has
// its own V8 heap and event loop (about 10 MiB resident before any plugin), a plugin's instance tens of KiB.
import { readFileSync } from 'node:fs';
import { hrtime } from 'node:process';
import { Worker } from 'node:worker_threads';
import { MAX_CAPABILITY_MESSAGE_BYTES } from '../protocol.js';
import type { RunnerLimits } from '../protocol.js';
import { Watchdog } from './watchdog.js';
import type { FromWorker, ToWorker, WasmWorkerData, WorkerStatus } from './wasm-worker.js';

/** Plugins per worker: they share its thread, so a busy one delays the others; few enough to keep latency. */
export const PLUGINS_PER_WORKER = 8;
/** Floor of a worker's JS heap: the Extism SDK itself needs a few MiB. */
const MIN_WORKER_HEAP_MB = 16;

/** A worker thread and the plugins it hosts (by slot; the members' type is the caller's). */
export interface WasmWorker<M> {
  readonly worker: Worker;
  /** Written by the worker: which call's guest runs now, since when, and how long it ran before. */
  readonly status: WorkerStatus;
  readonly heapMb: number;
  readonly members: Map<number, M>;
  /** Calls of plugins that left while their call was sent: still policed until the worker answers them. */
  readonly orphans: Map<number, M>;
  /** Calls and describes sent and not answered: the CPU check runs while there are any. */
  busy: number;
  dead: boolean;
  unwatch: (() => void) | undefined;
}

export interface PoolEvents<M> {
  message(w: WasmWorker<M>, m: FromWorker): void;
  /** The worker failed or exited on its own (not retired). */
  crash(w: WasmWorker<M>, err: (Error & { code?: string }) | undefined): void;
  /** The CPU check, every watchdog tick while the worker has work in flight. */
  check(w: WasmWorker<M>): void;
}

function workerUrl(): URL {
  // Tests import the engine from src/ (as .ts); Node strips the worker's types itself.
  const ext = import.meta.url.endsWith('.ts') ? 'ts' : 'js';
  return new URL(`./wasm-worker.${ext}`, import.meta.url);
}

export class WasmPool<M> {
  readonly #workers = new Set<WasmWorker<M>>();
  readonly #watchdog = new Watchdog();
  readonly #events: PoolEvents<M>;

  constructor(events: PoolEvents<M>) {
    this.#events = events;
  }

  /** A worker with room for a plugin with these limits: an existing one, or a new one. */
  acquire(limits: RunnerLimits): WasmWorker<M> {
    const heapMb = Math.max(MIN_WORKER_HEAP_MB, limits.memoryMb);
    for (const w of this.#workers) {
      if (w.members.size < PLUGINS_PER_WORKER && w.heapMb >= heapMb) return w;
    }
    return this.#spawn(heapMb);
  }

  /** Terminates the worker; its events are ignored from now on. */
  retire(w: WasmWorker<M>): void {
    if (w.dead) return;
    w.dead = true;
    this.#workers.delete(w);
    w.unwatch?.();
    void w.worker.terminate();
  }

  post(w: WasmWorker<M>, message: ToWorker): void {
    if (!w.dead) w.worker.postMessage(message);
  }

  /** Counts work sent to the worker; the CPU check runs while there is any. */
  sent(w: WasmWorker<M>): void {
    w.busy += 1;
    w.unwatch ??= this.#watchdog.watch(() => {
      if (w.busy > 0) this.#events.check(w);
      else {
        w.unwatch?.();
        w.unwatch = undefined;
      }
    });
  }

  /** The call (negative: a describe) whose guest runs in the worker now, and how long its guest has run. */
  running(w: WasmWorker<M>): { id: number; runMs: number } | undefined {
    const id = Number(Atomics.load(w.status.call, 0));
    if (id === 0) return undefined;
    const ranNs = Atomics.load(w.status.ran, 0) + hrtime.bigint() - Atomics.load(w.status.since, 0);
    return { id, runMs: Number(ranNs) / 1e6 };
  }

  /**
   * The CPU time of the call whose guest runs in the worker now, from the thread's exact run time in
   * /proc (Linux); undefined where unknown. The wall time the guest ran is an upper bound of it that a busy
   * machine inflates: this is what confirms a deadline before a worker is terminated.
   */
  runningCpuMs(w: WasmWorker<M>): number | undefined {
    const tid = Atomics.load(w.status.tid, 0);
    if (tid === 0n) return undefined;
    let threadNs: number;
    try {
      // the first field: nanoseconds this thread ran on a CPU
      threadNs = Number(readFileSync(`/proc/self/task/${tid}/schedstat`, 'utf8').split(' ')[0]);
    } catch {
      return undefined;
    }
    if (!Number.isFinite(threadNs)) return undefined;
    const ranUs =
      Number(Atomics.load(w.status.cpuRan, 0)) + threadNs / 1000 - Number(Atomics.load(w.status.cpuAt, 0));
    return ranUs / 1000;
  }

  #spawn(heapMb: number): WasmWorker<M> {
    const shared = new SharedArrayBuffer(6 * 8);
    const slot = (i: number): BigInt64Array => new BigInt64Array(shared, i * 8, 1);
    const status: WorkerStatus = {
      call: slot(0),
      since: slot(1),
      ran: slot(2),
      cpuAt: slot(3),
      cpuRan: slot(4),
      tid: slot(5),
    };
    const workerData: WasmWorkerData = { capabilityBytes: MAX_CAPABILITY_MESSAGE_BYTES, status };
    const worker = new Worker(workerUrl(), {
      workerData,
      env: {},
      execArgv: ['--no-warnings'],
      resourceLimits: { maxOldGenerationSizeMb: heapMb },
    });
    const w: WasmWorker<M> = {
      worker,
      status,
      heapMb,
      members: new Map(),
      orphans: new Map(),
      busy: 0,
      dead: false,
      unwatch: undefined,
    };
    worker.on('message', (m: FromWorker) => {
      if (!w.dead) this.#events.message(w, m);
    });
    worker.on('error', (err: Error) => {
      if (!w.dead) this.#events.crash(w, err);
    });
    worker.on('exit', () => {
      if (!w.dead) this.#events.crash(w, undefined);
    });
    this.#workers.add(w);
    return w;
  }
}
