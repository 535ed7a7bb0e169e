/**
 * How the runner runs one call in a realm. The fast path enters the isolate synchronously on the runner's
 * thread (`applySync`: no hop to isolated-vm's thread pool and back), starting the call and collecting its
 * outcome once the isolate's microtasks have run; a plugin that does not await the host is done by then. A call
 * still pending (it awaits a capability, a timer) is parked on its realm and looked at again after each reply or
 * timer the runner delivers there (`finishTaken`), still on the runner's thread.
 *
 * Entering an isolate synchronously blocks the runner's thread until it gets the isolate. That is only safe
 * while no plugin code may run in that isolate on another thread (a call's synchronous part on the slow path, a
 * timer callback, a realm being prepared, a reply delivered asynchronously): code there could spin until the
 * runner's watchdog stops it, and the watchdog runs on the very thread that would be waiting. Plugin code runs
 * only inside entry calls the runner starts: capability replies go back through the entry (`reply`), V8's own
 * callbacks (FinalizationRegistry) are inert, and a fast-path call that is only waiting for the host runs
 * nothing. `IsolateActivity` counts the entry calls running off the runner's thread (a slow-path call until it
 * settles). Where WebAssembly is enabled, whose asynchronous compiles resume plugin code from V8's own tasks, a
 * waiting fast-path call counts too.
 */
import type { EntryOptions } from './entry-timeout.js';
import type { IsolateRealm } from './isolate-realm.js';

/**
 * A synchronous part that used more CPU than this sends the plugin's next calls to the asynchronous path…
 * CPU, not wall time: on a busy machine the runner's thread is often preempted inside an entry. In agent turns
 * on a loaded machine, every synchronous part that took over 2 ms of wall time (up to 31 ms) had used 0.06 to
 * 1.6 ms of CPU. Judged by wall time, plugins were sent down the slower path by the load itself.
 */
const SLOW_SYNC_MS = 2;
/** …this many of them (doubling while it stays slow): they then leave the runner's thread free. */
const ASYNC_CALLS_AFTER_SLOW = 16;
const MAX_ASYNC_CALLS_AFTER_SLOW = 4096;
/** Calls a plugin completes on the asynchronous path before it may take the fast one. */
const PROBATION_CALLS = 4;

/** CPU time this thread has used, in milliseconds. */
export function threadCpuMs(): number {
  const used = process.threadCpuUsage();
  return (used.user + used.system) / 1000;
}

/** Work that may be running in an isolate off the runner's thread, and how the last fast calls went. */
export class IsolateActivity {
  #busy = 0;
  #asyncEntries = 0;
  /** True while the runner's thread is inside the isolate (a synchronous entry). */
  #inSync = false;
  /** Calls still to send down the asynchronous path after a slow synchronous part. */
  #asyncCalls = 0;
  #penalty = ASYNC_CALLS_AFTER_SLOW;
  /** Calls that ended well in a row on the asynchronous path, up to PROBATION_CALLS. */
  #provenCalls = 0;
  readonly #cpuMs: () => number;

  /**
   * @param waitsMayRun a call waiting for the host may resume by itself (WebAssembly enabled)
   * @param cpuMs the runner thread's CPU clock that synchronous parts are judged by
   */
  constructor(
    readonly waitsMayRun = false,
    cpuMs: () => number = threadCpuMs,
  ) {
    this.#cpuMs = cpuMs;
  }

  /**
   * True when the runner may enter the isolate synchronously for the next call (and counts that call). A
   * plugin starts on the asynchronous path and returns to it after any failed call: a heap bomb entered
   * synchronously keeps the runner's thread until the OS memory cap kills the runner, where the asynchronous
   * path lets the runner report its typed OOM.
   */
  takeFastPath(): boolean {
    if (!this.#canEnter()) return false;
    if (this.#asyncCalls > 0) {
      this.#asyncCalls -= 1;
      return false;
    }
    return true;
  }

  /**
   * True when the runner may enter the isolate synchronously now (to hand a reply in): as for a call, without
   * counting one against the calls sent down the asynchronous path after a slow synchronous part.
   */
  maySyncEnter(): boolean {
    return this.#canEnter() && this.#asyncCalls === 0;
  }

  /**
   * Nothing runs in the isolate off the runner's thread, the runner is not in there already, and the plugin has
   * earned the fast path.
   */
  #canEnter(): boolean {
    return this.mayTake() && this.#provenCalls >= PROBATION_CALLS;
  }

  /** True when the runner may enter the isolate synchronously for entry bookkeeping that runs no plugin code. */
  mayTake(): boolean {
    return this.#busy === 0 && !this.#inSync;
  }

  /** Runs `enter` (a synchronous entry into the isolate) and records the CPU it used on the runner's thread. */
  runSync<T>(enter: () => T): T {
    const started = this.#cpuMs();
    this.#inSync = true;
    try {
      return enter();
    } finally {
      this.#inSync = false;
      this.ranSync(this.#cpuMs() - started);
    }
  }

  /** Entries made on isolated-vm's threads so far (each a hop there and back: see `track`). */
  get asyncEntries(): number {
    return this.#asyncEntries;
  }

  /** Counts `work` (an entry on isolated-vm's threads) as running in the isolate until it settles. */
  track<T>(work: Promise<T>): Promise<T> {
    this.#asyncEntries += 1;
    this.#busy += 1;
    return work.finally(() => {
      this.#busy -= 1;
    });
  }

  /** Counts a call waiting for the host as running only where it may resume by itself (see `waitsMayRun`). */
  trackWait<T>(work: Promise<T>): Promise<T> {
    if (this.waitsMayRun) return this.track(work);
    this.#asyncEntries += 1;
    return work;
  }

  /** Records how a call ended: only calls that end well earn (and keep) the fast path. */
  ended(ok: boolean): void {
    this.#provenCalls = ok ? Math.min(this.#provenCalls + 1, PROBATION_CALLS) : 0;
  }

  /** Records the CPU a synchronous part used. */
  ranSync(ms: number): void {
    if (ms <= SLOW_SYNC_MS) {
      this.#penalty = ASYNC_CALLS_AFTER_SLOW;
      return;
    }
    this.#asyncCalls = this.#penalty;
    this.#penalty = Math.min(this.#penalty * 2, MAX_ASYNC_CALLS_AFTER_SLOW);
  }
}

/**
 * Runs a call (`entry('call', …)`, or on the fast path `start` then `take` or `wait`): what the entry returned
 * (a tagged string, or anything a broken entry produced) at once when the call ended on the fast path, else a
 * promise of it. Throws or rejects as isolated-vm does (timeout, disposal, an error escaping the entry).
 */
export function invokeCall(
  realm: IsolateRealm,
  activity: IsolateActivity,
  id: number,
  requestJson: string,
  outputBytes: number,
  options: EntryOptions,
): unknown {
  const { entry } = realm;
  if (!activity.takeFastPath()) {
    // Counted until it settles (its synchronous part runs on isolated-vm's threads, and where that ends is not
    // visible): isolated-vm takes the outcome out in the very turn the call settles, so a call that ended is
    // reported even when background work of the plugin gets it disposed right after.
    return activity
      .track(
        entry.apply(undefined, ['call', id, requestJson, outputBytes], {
          timeout: options.at().timeout,
          result: { promise: true },
        }),
      )
      .then((raw) => afterSent(realm, raw));
  }
  const raw = activity.runSync(() => {
    // the call's synchronous part and every microtask it queues run here, under the CPU timeout
    entry.applySync(undefined, ['start', id, requestJson, outputBytes], options.at());
    // No timeout here: `take` runs only the entry's own bookkeeping (no plugin code is left to run once
    // `start` returned), and each timeout costs a timer that wakes isolated-vm's timer thread when it expires.
    return entry.applySync(undefined, ['take', id]);
  });
  const out = afterSent(realm, raw);
  return out instanceof Promise
    ? out.then((taken) => finishTaken(realm, activity, id, taken, options))
    : finishTaken(realm, activity, id, out, options);
}

/**
 * An outcome the entry prefixed with `C<n>:` because the call sent capability requests (n: all the realm has
 * sent so far): those reach the runner only once it is out of the isolate, and one-way ones (emits) are
 * answered by nothing, so the call ends once the runner has seen all n: what it emitted reaches the host
 * before its result. Anything else comes back as it is.
 */
function afterSent(realm: IsolateRealm, raw: unknown): unknown {
  if (typeof raw !== 'string' || !raw.startsWith('C')) return raw;
  const colon = raw.indexOf(':');
  const sent = Number(raw.slice(1, colon));
  const out = raw.slice(colon + 1);
  if (!Number.isSafeInteger(sent) || realm.capsArrived >= sent) return out;
  return realm.capsArrivedBy(sent).then(() => out);
}

/**
 * What `take` gave: the outcome, or '' while the call waits for the host. Then the call is parked on its realm:
 * only a reply or a timer the runner delivers can move it on, so `take` looks again after each, on the runner's
 * thread (no hop to isolated-vm's threads and back, about 65 µs of CPU per call that awaits the host). Where
 * that is not safe at the time (another call runs in the isolate off the runner's thread) or where the call may
 * resume by itself (WebAssembly), it is waited for asynchronously.
 */
function finishTaken(
  realm: IsolateRealm,
  activity: IsolateActivity,
  id: number,
  raw: unknown,
  options: EntryOptions,
): unknown {
  if (raw !== '') return raw;
  if (activity.waitsMayRun) return waitAsync(realm, activity, id, options);
  return new Promise((resolve, reject) => {
    realm.park(() => {
      // released only with its plugin, which settles the call itself
      if (realm.released) {
        realm.unpark();
        return;
      }
      if (!activity.mayTake()) {
        realm.unpark();
        waitAsync(realm, activity, id, options).then(resolve, reject);
        return;
      }
      let taken: unknown;
      try {
        taken = realm.entry.applySync(undefined, ['take', id]);
      } catch (e) {
        realm.unpark();
        // what isolated-vm threw, for the caller to classify (timeout, disposal)
        reject(e instanceof Error ? e : new Error(String(e)));
        return;
      }
      if (taken === '') return;
      realm.unpark();
      resolve(afterSent(realm, taken));
    });
  });
}

/** The outcome of a started call, waited for on isolated-vm's threads; waiting runs no plugin code. */
function waitAsync(
  realm: IsolateRealm,
  activity: IsolateActivity,
  id: number,
  options: EntryOptions,
): Promise<unknown> {
  return activity
    .trackWait(
      realm.entry.apply(undefined, ['wait', id], {
        timeout: options.at().timeout,
        result: { promise: true },
      }),
    )
    .then((waited) => afterSent(realm, waited));
}
