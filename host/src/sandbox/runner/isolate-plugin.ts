/**
 * One loaded isolate plugin: its isolate and context, the trusted entry, the bridge the prelude calls back
 * into, its timers, in-flight calls and CPU/wall policing. Anything that breaks the isolate (timeout, OOM,
 * watchdog) disposes it; every in-flight call then ends with the same typed error.
 */
import { randomBytes } from 'node:crypto';
import ivm from 'isolated-vm';
import { MAX_CAPABILITY_MESSAGE_BYTES } from '../protocol.js';
import type { RunnerLimits, WireError } from '../protocol.js';
import { wireError } from './engine.js';
import type { CallOutcome, EngineDeps, PluginStats } from './engine.js';
import { CpuBudget } from './watchdog.js';
import type { Watchdog } from './watchdog.js';
import { capabilityError } from './capability-client.js';
import { classifyIsolateFailure, decodeEntryResult } from './entry-result.js';

/** The trusted entry defined by the prelude (isolate-prelude/entry.js). */
export type EntryFunction = (kind: string, a?: number, b?: string, c?: number) => unknown;
type CapBridge = (requestJson: unknown, callIdHint: unknown, currentCall: unknown) => Promise<string>;
type SyncBridge = (op: unknown, a: unknown, b: unknown, c: unknown) => string;
type BootFunction = (
  cap: ivm.Reference<CapBridge>,
  sync: ivm.Reference<SyncBridge>,
  maxCapBytes: number,
  webAssembly: boolean,
) => EntryFunction;

const MAX_TIMERS = 1000;
/** Budget slot of the load itself (runner call ids are positive). */
const LOAD_CALL_ID = -1;
const MAX_RANDOM_BYTES = 65536;
const MAX_TIMER_MS = 2 ** 31 - 1;

interface InflightCall {
  readonly id: number;
  readonly request: string;
  readonly cpuStartNs: bigint;
  wallTimer: NodeJS.Timeout | undefined;
  callId: string | null | undefined;
  settled: boolean;
  settle(outcome: CallOutcome): void;
}

export interface IsolatePluginOptions {
  readonly pluginKey: string;
  readonly limits: RunnerLimits;
  readonly isolate: ivm.Isolate;
  readonly context: ivm.Context;
  readonly deps: EngineDeps;
  readonly watchdog: Watchdog;
  /** CPU the load (top-level bundle code and what it starts) may use. */
  readonly loadCpuMs: number;
  /** Called once when the plugin is disposed for any reason (the engine forgets it). */
  readonly onGone: (plugin: IsolatePlugin) => void;
}

export class IsolatePlugin {
  readonly pluginKey: string;
  readonly limits: RunnerLimits;
  readonly #isolate: ivm.Isolate;
  readonly #context: ivm.Context;
  readonly #deps: EngineDeps;
  readonly #onGone: (plugin: IsolatePlugin) => void;
  readonly #calls = new Map<number, InflightCall>();
  readonly #timers = new Map<number, NodeJS.Timeout>();
  readonly #budget: CpuBudget;
  readonly #unwatch: () => void;
  #entry: ivm.Reference<EntryFunction> | undefined;
  #lastCpuNs = 0n;
  #disposed: WireError | undefined;
  #loaded = false;

  constructor(options: IsolatePluginOptions) {
    this.pluginKey = options.pluginKey;
    this.limits = options.limits;
    this.#isolate = options.isolate;
    this.#context = options.context;
    this.#deps = options.deps;
    this.#onGone = options.onGone;
    this.#budget = new CpuBudget(this.limits.cpuMsPerCall, this.#cpuMs(), performance.now());
    // until markLoaded() the load is charged like a call with its own, larger limit
    this.#budget.startCall(LOAD_CALL_ID, this.#cpuMs(), options.loadCpuMs);
    this.#unwatch = options.watchdog.watch(() => {
      this.#check();
    });
  }

  get disposedReason(): WireError | undefined {
    return this.#disposed;
  }

  /** From now on a disposal is reported to the host (`disposed`); during load the load error reports it. */
  markLoaded(): void {
    this.#loaded = true;
    this.#budget.endCall(LOAD_CALL_ID);
  }

  /** Runs the prelude's one-shot boot with the bridge References and keeps the entry it returns. */
  async boot(webAssembly: boolean): Promise<void> {
    const boot = (await this.#context.global.get('__roku_boot', {
      reference: true,
    })) as ivm.Reference<BootFunction>;
    const cap = new ivm.Reference<CapBridge>((requestJson, hint, current) =>
      this.#onCap(requestJson, hint, current),
    );
    const sync = new ivm.Reference<SyncBridge>((op, a, b, c) => this.#onSync(op, a, b, c));
    this.#entry = await boot.apply(undefined, [cap, sync, MAX_CAPABILITY_MESSAGE_BYTES, webAssembly], {
      timeout: 1000,
      result: { reference: true },
    });
    boot.release();
  }

  /** Calls describe() through the entry; resolves with the description JSON or a wire error. */
  async describe(): Promise<{ ok: true; json: string } | { ok: false; error: WireError }> {
    try {
      const raw: unknown = await this.#requireEntry().apply(
        undefined,
        ['describe', this.limits.outputBytes],
        {
          timeout: this.limits.cpuMsPerCall,
        },
      );
      const decoded = decodeEntryResult(raw, this.limits.outputBytes);
      return decoded.ok ? { ok: true, json: decoded.response } : decoded;
    } catch (e) {
      const failure = classifyIsolateFailure(e, this.#isolate, this.limits);
      if (failure.fatal) this.dispose(failure.error, false);
      return { ok: false, error: this.#disposed ?? failure.error };
    }
  }

  /** Runs one call. Resolves exactly once; never rejects. */
  call(id: number, requestJson: string): Promise<CallOutcome> {
    if (this.#disposed !== undefined) return Promise.resolve({ ok: false, error: this.#disposed });
    if (this.#calls.size >= this.limits.concurrency) {
      return Promise.resolve({
        ok: false,
        error: wireError(
          'ROKU_SANDBOX_BUSY',
          `${this.pluginKey} already runs ${this.limits.concurrency} call(s)`,
          {
            limit: this.limits.concurrency,
          },
        ),
      });
    }
    const entry = this.#requireEntry();
    return new Promise<CallOutcome>((resolve) => {
      const call: InflightCall = {
        id,
        request: requestJson,
        cpuStartNs: this.#cpuNs(),
        wallTimer: undefined,
        callId: undefined,
        settled: false,
        settle(outcome) {
          if (call.settled) return;
          call.settled = true;
          resolve(outcome);
        },
      };
      call.wallTimer = setTimeout(() => {
        this.#kill(
          wireError(
            'ROKU_SANDBOX_TIMEOUT',
            `${this.pluginKey}: call ${id} exceeded ${this.limits.wallMsPerCall} ms of wall time`,
            {
              limit: 'wall',
              limitMs: this.limits.wallMsPerCall,
            },
          ),
        );
      }, this.limits.wallMsPerCall);
      this.#calls.set(id, call);
      this.#budget.startCall(id, Number(call.cpuStartNs) / 1e6);
      entry
        .apply(undefined, ['call', id, requestJson, this.limits.outputBytes], {
          timeout: this.limits.cpuMsPerCall,
          result: { promise: true },
        })
        .then(
          (raw: unknown) => {
            this.#release(call);
            call.settle({ ...decodeEntryResult(raw, this.limits.outputBytes), cpuMs: this.#callCpuMs(call) });
          },
          (e: unknown) => {
            this.#release(call);
            const failure = classifyIsolateFailure(e, this.#isolate, this.limits, this.#callCpuMs(call));
            if (failure.fatal) this.#kill(failure.error);
            call.settle({ ok: false, error: this.#disposed ?? failure.error, cpuMs: this.#callCpuMs(call) });
          },
        );
    });
  }

  /** Answers a call early; its slot stays taken until the isolate finishes it (bounded by the wall limit). */
  cancel(id: number): boolean {
    const call = this.#calls.get(id);
    if (call === undefined) return false;
    call.settle({
      ok: false,
      error: wireError('ROKU_SANDBOX_UNLOADED', `call ${id} was cancelled by the host`),
    });
    return true;
  }

  hasCall(id: number): boolean {
    return this.#calls.has(id);
  }

  /** Disposes the isolate for `reason`; `notify` sends `disposed` to the host (not for a requested unload). */
  dispose(reason: WireError, notify: boolean): void {
    if (this.#disposed !== undefined) return;
    this.#disposed = reason;
    this.#cpuNs();
    this.#unwatch();
    for (const t of this.#timers.values()) clearTimeout(t);
    this.#timers.clear();
    try {
      this.#isolate.dispose();
    } catch {
      // V8 already disposed it (OOM)
    }
    this.#onGone(this);
    if (notify) this.#deps.onDisposed(this.pluginKey, reason);
    // after `disposed` went out, so the host sees the reason before the failed results
    for (const call of [...this.#calls.values()]) {
      this.#release(call);
      call.settle({ ok: false, error: reason, cpuMs: this.#callCpuMs(call) });
    }
  }

  stats(): PluginStats {
    let heapBytes = 0;
    if (this.#disposed === undefined) {
      try {
        const heap = this.#isolate.getHeapStatisticsSync();
        heapBytes = heap.used_heap_size + heap.externally_allocated_size;
      } catch {
        // disposed by V8 between checks
      }
    }
    return { pluginKey: this.pluginKey, heapBytes, cpuMs: Number(this.#cpuNs()) / 1e6 };
  }

  #kill(reason: WireError): void {
    this.dispose(reason, this.#loaded);
  }

  #requireEntry(): ivm.Reference<EntryFunction> {
    if (this.#entry === undefined) throw new Error('isolate plugin used before boot');
    return this.#entry;
  }

  /** CPU time of the isolate; after disposal (when V8 refuses) the last value read. */
  #cpuNs(): bigint {
    try {
      this.#lastCpuNs = this.#isolate.cpuTime;
    } catch {
      // disposed: keep the last sample
    }
    return this.#lastCpuNs;
  }

  #cpuMs(): number {
    return Number(this.#cpuNs()) / 1e6;
  }

  #callCpuMs(call: InflightCall): number {
    return Number(this.#lastCpuNs - call.cpuStartNs) / 1e6;
  }

  #release(call: InflightCall): void {
    this.#cpuNs();
    clearTimeout(call.wallTimer);
    this.#calls.delete(call.id);
    this.#budget.endCall(call.id);
  }

  /** Watchdog tick: V8 disposal (OOM outside a call) and CPU budgets. */
  #check(): void {
    if (this.#disposed !== undefined) return;
    if (this.#isolate.isDisposed) {
      this.#kill(
        wireError(
          'ROKU_SANDBOX_OOM',
          `${this.pluginKey} exceeded its ${this.limits.memoryMb} MB memory limit`,
          { limitMb: this.limits.memoryMb },
        ),
      );
      return;
    }
    const verdict = this.#budget.check(this.#cpuMs(), performance.now());
    if (verdict === undefined) return;
    const what =
      verdict.kind === 'idle'
        ? 'background work (timers, continuations)'
        : verdict.id === LOAD_CALL_ID
          ? 'loading'
          : `call ${verdict.id}`;
    this.#kill(
      wireError(
        'ROKU_SANDBOX_TIMEOUT',
        `${this.pluginKey}: ${what} exceeded ${this.limits.cpuMsPerCall} ms of CPU time`,
        {
          limit: 'cpu',
          limitMs: this.limits.cpuMsPerCall,
          ...(verdict.kind === 'idle' ? { background: true } : {}),
        },
      ),
    );
  }

  /**
   * A capability request from the isolate. Attribution to a call: the CallRequest.callId the plugin passed,
   * else the call whose synchronous part is running, else the only call in flight, else none.
   */
  #onCap(requestJson: unknown, hint: unknown, current: unknown): Promise<string> {
    if (this.#disposed !== undefined)
      return Promise.resolve(capabilityError('ROKU_CAPABILITY_FAILED', 'the plugin sandbox was disposed'));
    if (typeof requestJson !== 'string') {
      return Promise.resolve(
        capabilityError('ROKU_CAPABILITY_BAD_REQUEST', 'capability request must be a JSON string'),
      );
    }
    return this.#deps.requestCapability(this.pluginKey, this.#attribute(hint, current), requestJson);
  }

  #attribute(hint: unknown, current: unknown): number | undefined {
    if (typeof hint === 'string' && hint !== '') {
      for (const call of this.#calls.values()) if (requestCallId(call) === hint) return call.id;
    }
    if (typeof current === 'number' && this.#calls.has(current)) return current;
    if (this.#calls.size === 1) return this.#calls.keys().next().value;
    return undefined;
  }

  /** Synchronous services for the prelude; returns '' or a reply string, never throws into the isolate. */
  #onSync(op: unknown, a: unknown, b: unknown, c: unknown): string {
    if (this.#disposed !== undefined) return 'disposed';
    if (op === 'random') {
      const n = typeof a === 'number' && Number.isInteger(a) && a >= 0 && a <= MAX_RANDOM_BYTES ? a : 0;
      return randomBytes(n).toString('base64');
    }
    if (typeof a !== 'number' || !Number.isSafeInteger(a)) return 'bad timer id';
    if (op === 'timer.clear') {
      clearTimeout(this.#timers.get(a));
      this.#timers.delete(a);
      return '';
    }
    if (op === 'timer.set') {
      if (this.#timers.size >= MAX_TIMERS) return `a plugin may have at most ${MAX_TIMERS} timers`;
      const ms = typeof b === 'number' && b >= 0 ? Math.min(b, MAX_TIMER_MS) : 0;
      const repeat = c === 1;
      clearTimeout(this.#timers.get(a));
      const fire = (): void => {
        if (!repeat) this.#timers.delete(a);
        this.#fireTimer(a);
      };
      this.#timers.set(a, repeat ? setInterval(fire, Math.max(ms, 1)) : setTimeout(fire, ms));
      return '';
    }
    return 'unknown operation';
  }

  /** Fires a timer through the entry; its synchronous part runs under the per-call CPU timeout. */
  #fireTimer(id: number): void {
    if (this.#disposed !== undefined || this.#entry === undefined) return;
    this.#entry.apply(undefined, ['timer', id], { timeout: this.limits.cpuMsPerCall }).catch((e: unknown) => {
      const failure = classifyIsolateFailure(e, this.#isolate, this.limits);
      if (failure.fatal && this.#disposed === undefined) this.#kill(failure.error);
    });
  }
}

/** The CallRequest.callId of a call, parsed from its request only when attribution needs it. */
function requestCallId(call: InflightCall): string | null {
  if (call.callId === undefined) {
    try {
      const parsed = JSON.parse(call.request) as { callId?: unknown } | null;
      call.callId = typeof parsed?.callId === 'string' ? parsed.callId : null;
    } catch {
      call.callId = null;
    }
  }
  return call.callId;
}
