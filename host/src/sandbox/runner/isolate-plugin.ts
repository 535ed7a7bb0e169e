/**
 * One loaded isolate plugin: its isolate, the realms its calls run in (isolate-realm.ts), in-flight calls and
 * CPU/wall policing. Every call gets a fresh realm (or its session's last one), prepared ahead of time
 * (spare-realm.ts), so no state crosses sessions. Anything that breaks the isolate (timeout, OOM, watchdog)
 * disposes it; every in-flight call then ends with the same typed error.
 */
import type ivm from 'isolated-vm';
import { MAX_CAPABILITY_MESSAGE_BYTES } from '../protocol.js';
import type { RunnerLimits, WireError } from '../protocol.js';
import { wireError } from './engine.js';
import type { CallOutcome, EngineDeps, PluginStats } from './engine.js';
import { CpuBudget } from './watchdog.js';
import type { Watchdog } from './watchdog.js';
import { IsolateCpuMeter } from './isolate-clock.js';
import { fireTimer, forwardCap, forwardSend } from './isolate-caps.js';
import type { CapSource } from './isolate-caps.js';
import { classifyIsolateFailure, decodeEntryResult } from './entry-result.js';
import { DrainingRealms, IsolateRealm, MAX_DRAINING_REALMS } from './isolate-realm.js';
import { ADMIT_BELOW_HEAP_SHARE, HeapWatch, RealmBudget, usedHeapBytes } from './realm-budget.js';
import { HeapCollector } from './heap-collector.js';
import { MAX_SESSION_REALMS, SessionRealms } from './session-realms.js';
import { cpuMsPerMinuteOf } from './isolate-cpu-window.js';
import type { CpuWindow } from './isolate-cpu-window.js';
import type { RealmHost } from './isolate-realm.js';
import { InflightCall, LOAD_CALL_ID, busy, cpuTimeout, heapBusy } from './isolate-calls.js';
import { IsolateActivity, invokeCall } from './isolate-invoke.js';
import { EntryOptions } from './entry-timeout.js';
import { SpareRealm } from './spare-realm.js';

/** The trusted entry defined by the prelude (isolate-prelude/entry.js). */
export type EntryFunction = (kind: string, a?: number, b?: string, c?: number) => unknown;

const MAX_TIMERS = 1000;

/** A prepared realm, or why preparing one failed. */
type Prepared = { readonly realm: IsolateRealm } | { readonly error: WireError };

export interface IsolatePluginOptions {
  readonly pluginKey: string;
  readonly limits: RunnerLimits;
  readonly isolate: ivm.Isolate;
  /** Run in every realm; undefined when the isolate starts from the prelude snapshot (isolate-setup.ts). */
  readonly prelude: ivm.Script | undefined;
  readonly bundle: ivm.Script;
  readonly webAssembly: boolean;
  /** Each realm evaluates URL at boot (see LoadMessage.network). */
  readonly urlAtBoot: boolean;
  readonly deps: EngineDeps;
  readonly watchdog: Watchdog;
  /** CPU the load (top-level bundle code and what it starts) may use; also the budget of each realm's setup. */
  readonly loadCpuMs: number;
  /** Called once when the plugin is disposed for any reason (the engine forgets it). */
  readonly onGone: (plugin: IsolatePlugin) => void;
  /** CPU used in the last minute by this plugin (all its loaded versions); checked before each call. */
  readonly cpuWindow: CpuWindow;
  /** False while the runner is loading plugins: a spare realm prepared now would hold up their loads. */
  readonly quiet?: () => boolean;
}

export class IsolatePlugin {
  readonly pluginKey: string;
  readonly limits: RunnerLimits;
  readonly #isolate: ivm.Isolate;
  readonly #deps: EngineDeps;
  readonly #onGone: (plugin: IsolatePlugin) => void;
  readonly #loadCpuMs: number;
  readonly #realmHost: RealmHost;
  readonly #calls = new Map<number, InflightCall>();
  /** Per session, the realm its last call ran in, kept for its next call (never for another session). */
  readonly #sessionRealms = new SessionRealms((realm) => {
    this.#finishRealm(realm);
  });
  /** Realms whose call ended and whose timers still run. */
  readonly #draining: DrainingRealms;
  readonly #budget: CpuBudget;
  readonly #cpuWindow: CpuWindow;
  readonly #cpuMsPerMinute: number | undefined;
  readonly #unwatch: () => void;
  /** The realm prepared for the next call that needs a fresh one. */
  readonly #spare: SpareRealm<Prepared>;
  readonly #entryOptions: EntryOptions;
  /** What may be running in the isolate off the runner's thread (see isolate-invoke.ts). */
  readonly #activity: IsolateActivity;
  /** Collections the runner has V8 make when the heap fills with dead realms (see heap-collector.ts). */
  readonly #collector: HeapCollector;
  readonly #cpu: IsolateCpuMeter;
  readonly #heap: HeapWatch;
  #disposed: WireError | undefined;
  #loaded = false;
  /** What the heap holds, measured on the first realm (describe); until then the fixed maxima apply. */
  #realms: RealmBudget | undefined;

  constructor(options: IsolatePluginOptions) {
    this.pluginKey = options.pluginKey;
    this.limits = options.limits;
    this.#isolate = options.isolate;
    this.#deps = options.deps;
    this.#onGone = options.onGone;
    this.#loadCpuMs = options.loadCpuMs;
    this.#cpuWindow = options.cpuWindow;
    this.#cpuMsPerMinute = cpuMsPerMinuteOf(options.limits);
    this.#activity = new IsolateActivity(options.webAssembly);
    this.#entryOptions = new EntryOptions(options.limits.cpuMsPerCall);
    const caps: CapSource = {
      pluginKey: this.pluginKey,
      deps: this.#deps,
      activity: this.#activity,
      entryOptions: this.#entryOptions,
      failed: (e) => {
        this.#entryFailed(e);
      },
      gone: () => this.#disposed !== undefined,
      callOf: (realm) =>
        realm.callId !== undefined && this.#calls.has(realm.callId) ? realm.callId : undefined,
    };
    this.#realmHost = {
      isolate: options.isolate,
      prelude: options.prelude,
      bundle: options.bundle,
      maxCapBytes: MAX_CAPABILITY_MESSAGE_BYTES,
      webAssembly: options.webAssembly,
      urlAtBoot: options.urlAtBoot,
      timerSlots: { used: 0, max: MAX_TIMERS },
      onCap: (realm, requestJson, replyId) => {
        forwardCap(caps, realm, requestJson, replyId);
      },
      onSend: (realm, requestJson) => {
        forwardSend(caps, realm, requestJson);
      },
      fireTimer: (realm, timerId) => fireTimer(caps, realm, timerId),
      onIdle: (realm) => {
        this.#draining.release(realm);
      },
    };
    this.#spare = new SpareRealm<Prepared>(() => this.#prepare(), options.quiet);
    this.#draining = new DrainingRealms(options.limits.wallMsPerCall);
    this.#cpu = new IsolateCpuMeter(options.isolate, options.cpuWindow);
    this.#heap = new HeapWatch(options.isolate, options.limits.memoryMb);
    this.#collector = new HeapCollector(options.isolate, this.#heap, {
      track: (work) => this.#activity.track(work),
      charge: () => this.#budget.startWork(this.#cpuMs(), this.#loadCpuMs),
      failed: (e) => {
        this.#entryFailed(e);
      },
    });
    this.#budget = new CpuBudget(this.limits.cpuMsPerCall, this.#cpuMs(), performance.now());
    // until markLoaded() the load is charged like a call with its own, larger limit
    this.#budget.startCall(LOAD_CALL_ID, this.#cpuMs(), options.loadCpuMs);
    this.#unwatch = options.watchdog.watch((processNs) => {
      this.#check(processNs);
    });
  }

  get disposedReason(): WireError | undefined {
    return this.#disposed;
  }

  /**
   * Calls the plugin's heap holds at once (each runs in a realm of its own), measured when it loaded; the host
   * admits no more (it queues the rest). Undefined before describe().
   */
  get maxCalls(): number | undefined {
    return this.#realms?.maxCalls;
  }

  /** From now on a disposal is reported to the host (`disposed`); during load the load error reports it. */
  markLoaded(): void {
    this.#loaded = true;
    this.#budget.endCall(LOAD_CALL_ID);
    // Not at once: a host starting loads its plugins back to back, and each load waited behind the spare realm
    // of the one before (about 2 ms of a 1 MB bundle's cold load after a restart).
    this.#spare.replenish(0);
  }

  /**
   * Evaluates the bundle in a first realm and calls describe() there; resolves with the description JSON or a
   * wire error. That realm serves no call: calls start from realms that only ran the bundle's top level.
   */
  async describe(): Promise<{ ok: true; json: string } | { ok: false; error: WireError }> {
    let realm: IsolateRealm | undefined;
    try {
      const before = usedHeapBytes(this.#isolate.getHeapStatisticsSync());
      // the first realm of a fresh isolate: nothing else can run there yet
      realm = await this.#activity.track(IsolateRealm.create(this.#realmHost, this.#loadCpuMs, true));
      this.#sizeRealms(usedHeapBytes(this.#isolate.getHeapStatisticsSync()) - before);
      const raw: unknown = await this.#activity.track(
        realm.entry.apply(undefined, ['describe', this.limits.outputBytes], {
          timeout: this.limits.cpuMsPerCall,
        }),
      );
      const decoded = decodeEntryResult(raw, this.limits.outputBytes);
      return decoded.ok ? { ok: true, json: decoded.response } : decoded;
    } catch (e) {
      const failure = classifyIsolateFailure(e, this.#isolate, this.limits);
      if (failure.fatal) this.dispose(failure.error, false);
      if (this.#disposed !== undefined) return { ok: false, error: this.#disposed };
      if (realm === undefined) throw e;
      return { ok: false, error: failure.error };
    } finally {
      if (realm !== undefined) this.#finishRealm(realm);
    }
  }

  /**
   * Runs one call in a fresh realm, or in the realm the previous call of the same `session` left. Its outcome
   * comes at once when the call ended synchronously (the fast path, see isolate-invoke.ts), else as a promise
   * that resolves exactly once; never throws or rejects for anything the plugin does.
   */
  call(id: number, requestJson: string, session?: string): CallOutcome | Promise<CallOutcome> {
    if (this.#disposed !== undefined) return { ok: false, error: this.#disposed };
    const now = performance.now();
    const cpuNs = this.#cpu.readNs();
    this.#cpu.chargeWindow(cpuNs, now);
    const spent =
      this.#cpuMsPerMinute === undefined
        ? undefined
        : this.#cpuWindow.refusal(this.pluginKey, this.#cpuMsPerMinute, now);
    if (spent !== undefined) return { ok: false, error: spent };
    if (this.#calls.size >= this.limits.concurrency) return busy(this.pluginKey, this.limits.concurrency);
    // one call always runs: what it allocates is what lets V8 collect the garbage counted in the share
    if (this.#calls.size > 0 && this.#heap.share > ADMIT_BELOW_HEAP_SHARE)
      return heapBusy(this.pluginKey, this.#heap.share, this.limits.memoryMb);
    const call = new InflightCall(id, cpuNs, now + this.limits.wallMsPerCall);
    this.#calls.set(id, call);
    const kept = session === undefined ? undefined : this.#sessionRealms.take(session);
    if (kept !== undefined) {
      this.#runIn(call, kept, requestJson, session);
    } else {
      // a call that needs a new realm makes room for it first: kept realms are a cache, calls are not
      this.#sessionRealms.shrinkTo(this.#keptRoom());
      const spare = this.#spare.take();
      if (spare instanceof Promise) {
        void spare.then((prepared) => {
          this.#runPrepared(call, prepared, requestJson, session);
        });
      } else {
        this.#runPrepared(call, spare, requestJson, session);
      }
    }
    return call.result();
  }

  /** Runs a call in a realm prepared for it (maybe while the call waited), unless it ended meanwhile. */
  #runPrepared(
    call: InflightCall,
    prepared: Prepared,
    requestJson: string,
    session: string | undefined,
  ): void {
    if ('error' in prepared) {
      this.#release(call);
      call.settle({ ok: false, error: this.#disposed ?? prepared.error });
      return;
    }
    const { realm } = prepared;
    if (this.#disposed !== undefined || call.settled) {
      // disposed or cancelled while the realm was prepared
      this.#release(call);
      realm.release();
      call.settle({ ok: false, error: this.#disposed ?? wireError('ROKU_SANDBOX_UNLOADED', 'cancelled') });
      return;
    }
    // the CPU the isolate used while the call waited for its realm is not the call's
    call.cpuStartNs = this.#cpu.readNs();
    this.#runIn(call, realm, requestJson, session);
  }

  /** Enters the realm; the call is settled before this returns when it ended synchronously. */
  #runIn(call: InflightCall, realm: IsolateRealm, requestJson: string, session: string | undefined): void {
    realm.callId = call.id;
    this.#budget.startCall(call.id, Number(call.cpuStartNs) / 1e6);
    let raw: unknown;
    try {
      raw = invokeCall(
        realm,
        this.#activity,
        call.id,
        requestJson,
        this.limits.outputBytes,
        this.#entryOptions,
      );
    } catch (e) {
      this.#ended(call, realm, session, this.#failed(call, e));
      return;
    }
    if (raw instanceof Promise) {
      raw.then(
        (value: unknown) => {
          this.#ended(call, realm, session, this.#decoded(call, value));
        },
        (e: unknown) => {
          this.#ended(call, realm, session, this.#failed(call, e));
        },
      );
      return;
    }
    this.#ended(call, realm, session, this.#decoded(call, raw));
  }

  /** The outcome of what the entry returned. */
  #decoded(call: InflightCall, raw: unknown): CallOutcome {
    this.#release(call);
    const decoded = decodeEntryResult(raw, this.limits.outputBytes);
    const cpuMs = this.#callCpuMs(call);
    return decoded.ok
      ? { ok: true, response: decoded.response, cpuMs }
      : { ok: false, error: decoded.error, cpuMs };
  }

  /** The outcome of an entry invocation that failed; a fatal failure disposes the plugin. */
  #failed(call: InflightCall, e: unknown): CallOutcome {
    this.#release(call);
    const elapsedMs = performance.now() - (call.deadline - this.limits.wallMsPerCall);
    const failure = classifyIsolateFailure(e, this.#isolate, this.limits, this.#callCpuMs(call), elapsedMs);
    if (failure.fatal) this.#kill(failure.error);
    return { ok: false, error: this.#gone() ?? failure.error, cpuMs: this.#callCpuMs(call) };
  }

  #ended(call: InflightCall, realm: IsolateRealm, session: string | undefined, outcome: CallOutcome): void {
    this.#activity.ended(outcome.ok);
    // Only a call that ended normally leaves its realm to its session: a stopped one may have left it halfway.
    if (session !== undefined && outcome.ok && this.#gone() === undefined)
      this.#sessionRealms.keep(session, realm, this.#keptRoom());
    else this.#finishRealm(realm);
    // #release read the isolate's CPU time just now
    this.#cpu.chargeWindow(this.#cpu.lastNs, performance.now());
    call.settle(outcome);
    if (this.#gone() !== undefined) return;
    this.#spare.replenish(this.#calls.size);
    this.#collector.maybeCollect();
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

  /** Disposes the isolate for `reason`; `notify` sends `disposed` to the host (not for a requested unload). */
  dispose(reason: WireError, notify: boolean): void {
    if (this.#disposed !== undefined) return;
    this.#disposed = reason;
    this.#spare.stop();
    this.#cpu.chargeWindow(this.#cpu.readNs(), performance.now());
    this.#unwatch();
    this.#draining.releaseAll();
    this.#sessionRealms.releaseAll();
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
    return {
      pluginKey: this.pluginKey,
      heapBytes,
      cpuMs: Number(this.#cpu.readNs()) / 1e6,
      asyncEntries: this.#activity.asyncEntries,
    };
  }

  /**
   * Prepares a fresh realm under a budget slot of its own (the load's CPU limit), so the top-level code of the
   * bundle is neither charged to a call nor to the idle budget. Never rejects.
   */
  async #prepare(): Promise<Prepared> {
    const uncharge = this.#budget.startWork(this.#cpuMs(), this.#loadCpuMs);
    try {
      const realm = await this.#activity.track(IsolateRealm.create(this.#realmHost, this.#loadCpuMs));
      return { realm };
    } catch (e) {
      const failure = classifyIsolateFailure(e, this.#isolate, this.limits);
      if (failure.fatal) this.#kill(failure.error);
      const reason = this.#disposed ?? failure.error;
      return {
        error: wireError(
          'ROKU_SANDBOX_LOAD_FAILED',
          `${this.pluginKey}: preparing a fresh context failed: ${reason.message}`,
          { pluginKey: this.pluginKey, reason },
        ),
      };
    } finally {
      uncharge();
    }
  }

  /**
   * Sizes the realms the plugin may hold from what its first realm took: calls in flight (the host is told)
   * and realms draining their timers; realms kept for sessions take what is left (see #keptRoom). So the
   * runner's own realm policy never drives a plugin into its memory limit.
   */
  #sizeRealms(realmBytes: number): void {
    const budget = new RealmBudget(this.limits.memoryMb, realmBytes);
    this.#realms = budget;
    const draining = Math.max(1, Math.min(MAX_DRAINING_REALMS, Math.floor(budget.maxIdle / 3)));
    this.#draining.max = draining;
  }

  /**
   * How many realms may be kept for sessions now: what the heap holds beside the calls in flight, the spare
   * and the draining realms. Few calls leave room for many sessions' realms; many calls take it back.
   */
  #keptRoom(): number {
    const budget = this.#realms;
    if (budget === undefined) return MAX_SESSION_REALMS;
    const room = budget.maxRealms - this.#calls.size - 1 - this.#draining.size;
    return Math.max(0, Math.min(MAX_SESSION_REALMS, room));
  }

  /** A realm's call ended: released now, or once its timers are done (see DrainingRealms). */
  #finishRealm(realm: IsolateRealm): void {
    if (this.#disposed !== undefined) realm.release();
    else this.#draining.add(realm);
  }

  #kill(reason: WireError): void {
    this.dispose(reason, this.#loaded);
  }

  #cpuMs(): number {
    return Number(this.#cpu.readNs()) / 1e6;
  }

  #callCpuMs(call: InflightCall): number {
    return Number(this.#cpu.lastNs - call.cpuStartNs) / 1e6;
  }

  #release(call: InflightCall): void {
    this.#cpu.readNs();
    this.#calls.delete(call.id);
    this.#budget.endCall(call.id);
  }

  /** Watchdog tick: V8 disposal (OOM outside a call) and CPU budgets. */
  #check(processNs: number): void {
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
    const now = performance.now();
    const late = [...this.#calls.values()].find((call) => now >= call.deadline);
    if (late !== undefined) {
      const { wallMsPerCall } = this.limits;
      const message = `${this.pluginKey}: call ${late.id} exceeded ${wallMsPerCall} ms of wall time`;
      this.#kill(wireError('ROKU_SANDBOX_TIMEOUT', message, { limit: 'wall', limitMs: wallMsPerCall }));
      return;
    }
    // false: disposed by V8 since the check above, which the next tick reports
    if (!this.#cpu.reconcile(processNs)) return;
    this.#heap.sample(now, this.#calls.size);
    const verdict = this.#budget.check(Number(this.#cpu.lastNs) / 1e6, now);
    if (verdict !== undefined) this.#kill(cpuTimeout(this.pluginKey, verdict, this.limits, this.#loadCpuMs));
  }

  /** An entry call outside a call's own start (a timer, a reply) failed: fatal failures dispose the plugin. */
  #entryFailed(e: unknown): void {
    const failure = classifyIsolateFailure(e, this.#isolate, this.limits);
    if (failure.fatal && this.#gone() === undefined) this.#kill(failure.error);
  }

  /** Why the plugin was disposed; a call, so that checks after an await are not narrowed away. */
  #gone(): WireError | undefined {
    return this.#disposed;
  }
}
