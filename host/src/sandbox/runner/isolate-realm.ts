/**
 * One realm of an isolate plugin: a fresh V8 context with the prelude (already evaluated when the isolate starts
 * from the prelude snapshot, see isolate-setup.ts), the runner bridge and the plugin bundle evaluated in it. Every call runs in a realm of its own, so whatever one call leaves behind (replaced
 * intrinsics, globals, patched prototypes, pending promises) is never seen by another call — another session or
 * another user of a shared host. Realms of one plugin share its isolate (heap limit, CPU accounting) but no
 * objects: only strings and numbers cross the bridge.
 */
import { randomBytes } from 'node:crypto';
import ivm from 'isolated-vm';
import { timeoutFromNow } from './entry-timeout.js';
import type { EntryFunction } from './isolate-plugin.js';

/**
 * A capability request, sent with applyIgnored: `mode` 1 is one-way (emit, log, fetch.cancel); 2 is a request
 * whose reply goes back through the entry as `replyId`.
 */
type CapBridge = (
  requestJson: unknown,
  callIdHint: unknown,
  currentCall: unknown,
  mode: unknown,
  replyId: unknown,
) => undefined;
type SyncBridge = (op: unknown, a: unknown, b: unknown, c: unknown) => string;
type BootFunction = (
  cap: ivm.Reference<CapBridge>,
  sync: ivm.Reference<SyncBridge>,
  maxCapBytes: number,
  webAssembly: boolean,
  urlAtBoot: boolean,
) => EntryFunction;

const MAX_RANDOM_BYTES = 65536;
const MAX_TIMER_MS = 2 ** 31 - 1;
/** Calls the prelude's one-shot boot with the runner bridge (see isolate-prelude/index.js). */
const BOOT_CALL = 'return __roku_boot($0, $1, $2, $3, $4);';
/** The trusted prelude and boot get a fixed budget; they run the same code every time. */
const PRELUDE_TIMEOUT_MS = 2000;

/** What a realm needs from its plugin. */
export interface RealmHost {
  readonly isolate: ivm.Isolate;
  /** Run in every new context; undefined when the isolate's snapshot already holds the evaluated prelude. */
  readonly prelude: ivm.Script | undefined;
  readonly bundle: ivm.Script;
  readonly maxCapBytes: number;
  readonly webAssembly: boolean;
  /** Evaluate URL at boot, before the bundle (a plugin that fetches needs it in every call). */
  readonly urlAtBoot: boolean;
  /** Timers of all realms of the plugin count against one cap. */
  readonly timerSlots: { used: number; readonly max: number };
  /**
   * A capability request from this realm, to be answered with `entry('reply', replyId, responseJson)` (see
   * IsolatePlugin's delivery).
   */
  onCap(realm: IsolateRealm, requestJson: unknown, replyId: number): void;
  /** A one-way request from this realm (emit, log, fetch.cancel): forwarded, never answered. */
  onSend(realm: IsolateRealm, requestJson: unknown): void;
  /** Fires a timer through the realm's entry (the plugin applies its CPU timeout and failure policy). */
  fireTimer(realm: IsolateRealm, timerId: number): Promise<void>;
  /** The realm has nothing left to run (no timers) after its call: release it. */
  onIdle(realm: IsolateRealm): void;
}

export class IsolateRealm {
  /** The runner call this realm serves; undefined before its call and after it ended. */
  callId: number | undefined;
  readonly #host: RealmHost;
  readonly #timers = new Map<number, NodeJS.Timeout>();
  #context: ivm.Context | undefined;
  #entry: ivm.Reference<EntryFunction> | undefined;
  #refs: ivm.Reference<unknown>[] = [];
  #released = false;
  #finished = false;
  /** Capability requests of this realm whose reply has not been delivered: like timers, they keep it. */
  #repliesDue = 0;
  /** Capability requests of this realm that reached the runner, and who waits for a count of them. */
  #capsArrived = 0;
  #capWaiters: { readonly count: number; readonly resolve: () => void }[] = [];
  /** Looks at the realm's call again after each reply or timer delivered into the realm (see `park`). */
  #resume: (() => void) | undefined;

  private constructor(host: RealmHost) {
    this.#host = host;
  }

  /**
   * Creates a context, runs the prelude, boots the bridge and evaluates the bundle (top-level plugin code,
   * under `bundleTimeoutMs`). On failure the realm is released and the error rethrown.
   *
   * `idle`: nothing else can be running in the isolate (the first realm of a load). The trusted steps before
   * the bundle (context, prelude, boot) then run on the runner's thread, without a hop to isolated-vm's threads
   * and back for each; the bundle's own code always runs on the asynchronous path. Never set it otherwise: the
   * runner's thread would wait there for whatever else runs in the isolate.
   */
  static async create(host: RealmHost, bundleTimeoutMs: number, idle = false): Promise<IsolateRealm> {
    const realm = new IsolateRealm(host);
    try {
      await realm.#init(bundleTimeoutMs, idle);
      return realm;
    } catch (e) {
      realm.release();
      throw e;
    }
  }

  get entry(): ivm.Reference<EntryFunction> {
    if (this.#entry === undefined) throw new Error('isolate realm used before boot');
    return this.#entry;
  }

  get released(): boolean {
    return this.#released;
  }

  get capsArrived(): number {
    return this.#capsArrived;
  }

  /** Resolves once `count` capability requests of this realm have reached the runner (or it is released). */
  capsArrivedBy(count: number): Promise<void> {
    if (this.#capsArrived >= count || this.#released) return Promise.resolve();
    return new Promise((resolve) => {
      this.#capWaiters.push({ count, resolve });
    });
  }

  /**
   * Has `resume` run after every reply delivered and every timer fired in this realm, until `unpark`: the only
   * things that can move its call on (see isolate-invoke.ts).
   */
  park(resume: () => void): void {
    this.#resume = resume;
  }

  unpark(): void {
    this.#resume = undefined;
  }

  get timerCount(): number {
    return this.#timers.size;
  }

  /** Its call ended: from now on the realm only lives while its timers run, then it is released. */
  finish(): void {
    this.callId = undefined;
    this.#finished = true;
    this.#checkIdle();
  }

  /** Drops the context and every Reference into it; its timers stop. Idempotent. */
  release(): void {
    if (this.#released) return;
    this.#released = true;
    for (const waiter of this.#capWaiters) waiter.resolve();
    this.#capWaiters = [];
    for (const t of this.#timers.values()) clearTimeout(t);
    this.#host.timerSlots.used -= this.#timers.size;
    this.#timers.clear();
    for (const ref of this.#refs) ref.release();
    this.#refs = [];
    this.#entry?.release();
    this.#entry = undefined;
    try {
      this.#context?.release();
    } catch {
      // the isolate is already disposed
    }
    this.#context = undefined;
  }

  async #init(bundleTimeoutMs: number, idle: boolean): Promise<void> {
    const { isolate, prelude, bundle, maxCapBytes, webAssembly, urlAtBoot } = this.#host;
    const context = idle ? isolate.createContextSync() : await isolate.createContext();
    this.#context = context;
    if (prelude !== undefined) {
      if (idle) prelude.runSync(context, { timeout: timeoutFromNow(PRELUDE_TIMEOUT_MS) });
      else await prelude.run(context, { timeout: timeoutFromNow(PRELUDE_TIMEOUT_MS) });
    }
    const cap = new ivm.Reference<CapBridge>((requestJson, _hint, _current, mode, replyId) => {
      this.#capArrived();
      if (mode === 1) this.#host.onSend(this, requestJson);
      // only the prelude holds this reference, and it numbers replies from 1
      else if (typeof replyId === 'number' && Number.isSafeInteger(replyId) && replyId > 0) {
        this.#repliesDue += 1;
        this.#host.onCap(this, requestJson, replyId);
      }
      return undefined;
    });
    const sync = new ivm.Reference<SyncBridge>((op, a, b, c) => this.#onSync(op, a, b, c));
    this.#refs.push(cap, sync);
    const args: Parameters<BootFunction> = [cap, sync, maxCapBytes, webAssembly, urlAtBoot];
    const options = { timeout: timeoutFromNow(PRELUDE_TIMEOUT_MS), result: { reference: true } } as const;
    // One entry finds and calls the boot function (no plugin code has run in this context yet, so the global is
    // the prelude's): each asynchronous entry is a hop to isolated-vm's threads and back, about 65 µs of CPU here.
    this.#entry = (
      idle
        ? context.evalClosureSync(BOOT_CALL, args, options)
        : await context.evalClosure(BOOT_CALL, args, options)
    ) as ivm.Reference<EntryFunction>;
    await bundle.run(context, { timeout: timeoutFromNow(bundleTimeoutMs) });
  }

  #capArrived(): void {
    this.#capsArrived += 1;
    if (this.#capWaiters.length === 0) return;
    const ready = this.#capWaiters.filter((w) => w.count <= this.#capsArrived);
    this.#capWaiters = this.#capWaiters.filter((w) => w.count > this.#capsArrived);
    for (const waiter of ready) waiter.resolve();
  }

  /** Synchronous services for the prelude; returns '' or a reply string, never throws into the isolate. */
  #onSync(op: unknown, a: unknown, b: unknown, c: unknown): string {
    if (this.#released) return 'disposed';
    if (op === 'random') {
      const n = typeof a === 'number' && Number.isInteger(a) && a >= 0 && a <= MAX_RANDOM_BYTES ? a : 0;
      return randomBytes(n).toString('base64');
    }
    if (typeof a !== 'number' || !Number.isSafeInteger(a)) return 'bad timer id';
    if (op === 'timer.clear') {
      this.#clearTimer(a);
      return '';
    }
    if (op === 'timer.set') {
      const slots = this.#host.timerSlots;
      this.#clearTimer(a);
      if (slots.used >= slots.max) return `a plugin may have at most ${slots.max} timers`;
      const ms = typeof b === 'number' && b >= 0 ? Math.min(b, MAX_TIMER_MS) : 0;
      const repeat = c === 1;
      const fire = (): void => {
        if (!repeat) this.#dropTimer(a);
        if (this.#released) return;
        // a realm whose last timer fired is released once that callback has run, not before
        void this.#host.fireTimer(this, a).then(() => {
          this.#resume?.();
          this.#checkIdle();
        });
      };
      slots.used += 1;
      this.#timers.set(a, repeat ? setInterval(fire, Math.max(ms, 1)) : setTimeout(fire, ms));
      return '';
    }
    return 'unknown operation';
  }

  #clearTimer(id: number): void {
    if (this.#dropTimer(id)) this.#checkIdle();
  }

  #dropTimer(id: number): boolean {
    const timer = this.#timers.get(id);
    if (timer === undefined) return false;
    clearTimeout(timer);
    this.#timers.delete(id);
    this.#host.timerSlots.used -= 1;
    return true;
  }

  /** A reply went back into the realm (or cannot any more): what it resumed has run. */
  replyDelivered(): void {
    this.#repliesDue -= 1;
    this.#resume?.();
    this.#checkIdle();
  }

  #checkIdle(): void {
    if (this.#finished && !this.#released && this.#timers.size === 0 && this.#repliesDue === 0)
      this.#host.onIdle(this);
  }
}

/** Realms whose call ended but whose timers still run; beyond this the oldest is released. */
export const MAX_DRAINING_REALMS = 8;

/**
 * Realms whose call ended. Each is released when its last timer is done, or at the latest after `maxMs` (a
 * call's wall time), so background work a call leaves behind is bounded in time and in number.
 */
export class DrainingRealms {
  readonly #maxMs: number;
  readonly #realms = new Map<IsolateRealm, NodeJS.Timeout>();
  /** How many may drain at once; lowered to what the plugin's heap holds once that is measured. */
  max = MAX_DRAINING_REALMS;

  constructor(maxMs: number) {
    this.#maxMs = maxMs;
  }

  get size(): number {
    return this.#realms.size;
  }

  /**
   * Ends the realm's call: released at once when it has no timers and no capability reply due, else kept until
   * they are done (at most the wall limit).
   */
  add(realm: IsolateRealm): void {
    realm.finish();
    if (realm.released) return;
    while (this.#realms.size > 0 && this.#realms.size >= Math.max(1, this.max)) {
      const oldest = this.#realms.keys().next().value;
      if (oldest !== undefined) this.release(oldest);
    }

    this.#realms.set(
      realm,
      setTimeout(() => {
        this.release(realm);
      }, this.#maxMs),
    );
  }

  release(realm: IsolateRealm): void {
    clearTimeout(this.#realms.get(realm));
    this.#realms.delete(realm);
    realm.release();
  }

  releaseAll(): void {
    for (const realm of [...this.#realms.keys()]) this.release(realm);
  }
}
