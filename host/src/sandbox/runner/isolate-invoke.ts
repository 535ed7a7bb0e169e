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
 * watchdog stops it, and the watchdog runs on the very thread that would be waiting. `IsolateActivity` keeps
 * that count; the fast path is taken only when it is zero.
 */
import type { IsolateRealm } from './isolate-realm.js';

/** A synchronous part longer than this sends the plugin's next calls to the asynchronous path… */
const SLOW_SYNC_MS = 2;
/** …this many of them (doubling while it stays slow): they then leave the runner's thread free. */
const ASYNC_CALLS_AFTER_SLOW = 16;
const MAX_ASYNC_CALLS_AFTER_SLOW = 4096;
/** The fence is a no-op; this only bounds it if the isolate misbehaves. */
const FENCE_TIMEOUT_MS = 1_000;
/** Calls a plugin completes on the asynchronous path before it may take the fast one. */
const PROBATION_CALLS = 4;
/** A capability reply whose continuation cannot be fenced keeps calls off the fast path this long. */
const UNFENCED_COOLDOWN_MS = 1_000;

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

  /** Counts the isolate as busy until the returned function is called (once). */
  begin(): () => void {
    this.#busy += 1;
    let done = false;
    return () => {
      if (done) return;
      done = true;
      this.#busy -= 1;
    };
  }

  /** Keeps calls off the fast path for a while (a continuation the runner cannot queue a fence behind). */
  coolDown(): void {
    this.#asyncUntil = performance.now() + UNFENCED_COOLDOWN_MS;
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

/**
 * Runs `entry('call', …)` and resolves with what the entry returned (a tagged string, or anything a broken
 * entry produced); rejects as isolated-vm does (timeout, disposal, an error escaping the entry).
 */
export async function invokeCall(
  realm: IsolateRealm,
  activity: IsolateActivity,
  id: number,
  requestJson: string,
  outputBytes: number,
  timeoutMs: number,
): Promise<unknown> {
  const { entry } = realm;
  if (!activity.takeFastPath()) {
    return activity.track(
      entry.apply(undefined, ['call', id, requestJson, outputBytes], {
        timeout: timeoutMs,
        result: { promise: true },
      }),
    );
  }
  let raw: unknown;
  const capsBefore = realm.capsArrived;
  const started = performance.now();
  try {
    // the call's synchronous part and every microtask it queues run here, under the CPU timeout
    entry.applySync(undefined, ['start', id, requestJson, outputBytes], { timeout: timeoutMs });
    raw = entry.applySync(undefined, ['take', id], { timeout: timeoutMs });
  } finally {
    activity.ranSync(performance.now() - started);
  }
  if (typeof raw === 'string' && raw.startsWith('C')) {
    // It sent capability requests, which reach the runner only now that it left the isolate: they belong to
    // this call, so it ends once they have arrived.
    const colon = raw.indexOf(':');
    const sent = Number(raw.slice(1, colon));
    raw = raw.slice(colon + 1);
    if (Number.isSafeInteger(sent) && sent > 0) await realm.capsArrivedBy(capsBefore + sent);
  }
  if (raw !== '') return raw;
  return activity.track(
    entry.apply(undefined, ['wait', id], { timeout: timeoutMs, result: { promise: true } }),
  );
}

/**
 * The continuation of a capability reply runs in the isolate on isolated-vm's threads: the isolate counts as
 * busy until a no-op queued behind that reply (a fence) has run in the realm. `live` says whether the plugin
 * still exists; without a realm to queue the fence in, the fast path rests for a while instead.
 */
export function fenceAfterReply(
  realm: IsolateRealm,
  activity: IsolateActivity,
  reply: Promise<unknown>,
  live: () => boolean,
): void {
  const done = activity.begin();
  const unfenced = (): void => {
    activity.coolDown();
    done();
  };
  void reply.then(() => {
    // after isolated-vm's own handler of the same reply queued the task that resumes the plugin
    setImmediate(() => {
      if (!live() || realm.released) {
        unfenced();
        return;
      }
      realm.entry.apply(undefined, ['fence'], { timeout: FENCE_TIMEOUT_MS }).then(done, unfenced);
    });
  });
}
