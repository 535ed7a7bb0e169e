/**
 * How the runner runs one call in a realm. The fast path enters the isolate synchronously on the runner's
 * thread (`applySync`: no hop to isolated-vm's thread pool and back), starting the call and collecting its
 * outcome once the isolate's microtasks have run; a plugin that does not await the host is done by then. A call
 * still pending (it awaits a capability, a timer) is then waited for asynchronously, like every call on the slow
 * path.
 *
 * Entering an isolate synchronously blocks the runner's thread until it gets the isolate. That is only safe
 * while nothing else may run in that isolate on another thread (a call awaiting the host, a timer callback, a
 * realm being prepared, the continuation of a capability reply): code there could spin until the runner's
 * watchdog stops it, and the watchdog runs on the very thread that would be waiting. `IsolateActivity` counts
 * what the runner started there and keeps the fast path closed for a CPU limit's time after each capability
 * reply (what the reply resumes is not visible to the runner).
 */
import type { IsolateRealm } from './isolate-realm.js';

/** A synchronous part longer than this sends the plugin's next calls to the asynchronous path… */
const SLOW_SYNC_MS = 2;
/** …this many of them (doubling while it stays slow): they then leave the runner's thread free. */
const ASYNC_CALLS_AFTER_SLOW = 16;
const MAX_ASYNC_CALLS_AFTER_SLOW = 4096;
/** Calls a plugin completes on the asynchronous path before it may take the fast one. */
const PROBATION_CALLS = 4;
/** Margin on top of a plugin's CPU limit for the watchdog to have stopped a continuation that spins. */
const REPLY_COOLDOWN_MARGIN_MS = 100;

/** Work that may be running in an isolate off the runner's thread, and how the last fast calls went. */
export class IsolateActivity {
  #busy = 0;
  #asyncUntil = 0;
  /** Calls still to send down the asynchronous path after a slow synchronous part. */
  #asyncCalls = 0;
  #penalty = ASYNC_CALLS_AFTER_SLOW;
  /** Calls that ended well in a row on the asynchronous path, up to PROBATION_CALLS. */
  #provenCalls = 0;

  /**
   * True when the runner may enter the isolate synchronously for the next call (and counts that call). A
   * plugin starts on the asynchronous path and returns to it after any failed call: a heap bomb entered
   * synchronously keeps the runner's thread until the OS memory cap kills the runner, where the asynchronous
   * path lets the runner report its typed OOM.
   */
  takeFastPath(): boolean {
    if (this.#busy > 0 || this.#provenCalls < PROBATION_CALLS) return false;
    if (this.#asyncCalls > 0) {
      this.#asyncCalls -= 1;
      return false;
    }
    return this.#asyncUntil === 0 || performance.now() >= this.#asyncUntil;
  }

  /** Counts `work` as running in the isolate until it settles. */
  track<T>(work: Promise<T>): Promise<T> {
    this.#busy += 1;
    return work.finally(() => {
      this.#busy -= 1;
    });
  }

  /**
   * A capability reply was handed to the isolate: what it resumes runs on isolated-vm's threads, where the
   * watchdog stops it if it spins. Calls stay off the fast path until the watchdog surely has (`cpuMsPerCall`
   * plus a margin): a call entered synchronously meanwhile would wait for the isolate on the watchdog's thread.
   */
  replied(cpuMsPerCall: number): void {
    this.#asyncUntil = Math.max(
      this.#asyncUntil,
      performance.now() + cpuMsPerCall + REPLY_COOLDOWN_MARGIN_MS,
    );
  }

  /** Records how a call ended: only calls that end well earn (and keep) the fast path. */
  ended(ok: boolean): void {
    this.#provenCalls = ok ? Math.min(this.#provenCalls + 1, PROBATION_CALLS) : 0;
  }

  /** Records how long a synchronous part took. */
  ranSync(ms: number): void {
    if (ms <= SLOW_SYNC_MS) {
      this.#penalty = ASYNC_CALLS_AFTER_SLOW;
      return;
    }
    this.#asyncCalls = this.#penalty;
    this.#penalty = Math.min(this.#penalty * 2, MAX_ASYNC_CALLS_AFTER_SLOW);
  }
}

/** isolated-vm's options for an entry call: the CPU timeout of its synchronous part (made once per plugin). */
export interface EntryOptions {
  readonly timeout: number;
}

/**
 * Runs `entry('call', …)`: what the entry returned (a tagged string, or anything a broken entry produced) at
 * once when the call ended on the fast path, else a promise of it. Throws or rejects as isolated-vm does
 * (timeout, disposal, an error escaping the entry).
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
    return activity
      .track(
        entry.apply(undefined, ['call', id, requestJson, outputBytes], {
          timeout: options.timeout,
          result: { promise: true },
        }),
      )
      .then((raw) => afterSent(realm, raw));
  }
  let raw: unknown;
  const started = performance.now();
  try {
    // the call's synchronous part and every microtask it queues run here, under the CPU timeout
    entry.applySync(undefined, ['start', id, requestJson, outputBytes], options);
    // No timeout here: `take` runs only the entry's own bookkeeping (no plugin code is left to run once
    // `start` returned), and each timeout costs a timer that wakes isolated-vm's timer thread when it expires.
    raw = entry.applySync(undefined, ['take', id]);
  } finally {
    activity.ranSync(performance.now() - started);
  }
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

/** What `take` gave: the outcome, or '' while the call waits for the host (then waited for asynchronously). */
function finishTaken(
  realm: IsolateRealm,
  activity: IsolateActivity,
  id: number,
  raw: unknown,
  options: EntryOptions,
): unknown {
  if (raw !== '') return raw;
  return activity
    .track(
      realm.entry.apply(undefined, ['wait', id], { timeout: options.timeout, result: { promise: true } }),
    )
    .then((waited) => afterSent(realm, waited));
}
