/**
 * How many realms an isolate plugin's heap holds. Every call runs in a realm of its own (a V8 context with the
 * prelude and the bundle evaluated in it), so the calls in flight, the spare realm, the realms kept for sessions
 * and those still draining their timers all live in the plugin's one isolate. Left to the user's concurrency
 * alone, enough sessions at once drive a well-behaved plugin into its memory limit (a real V8 OOM that disposes
 * the isolate and fails every call in it). The runner measures what a realm costs when the plugin loads, admits
 * no more calls than the heap holds (the host queues the rest, see call-queue.ts) and gives up kept and
 * draining realms before a new one would not fit.
 */
import type ivm from 'isolated-vm';

/**
 * Share of the heap limit realms may take; the rest is left to what the calls themselves allocate and to the
 * garbage between collections (a heap kept near its limit also spends most of its CPU collecting). At 0.35,
 * 1,000 sessions at once against a zero-latency provider ran its 32 MB heap out in 4 of 4 `pnpm bench load`
 * runs (192-882 failed turns); at 0.2, none in 3, at the same turns/s (calls over it wait in the host's queue).
 */
const REALM_SHARE = 0.2;
/** A realm is counted as at least this large (a measurement can only come out lower than the truth). */
export const MIN_REALM_BYTES = 256 * 1024;
/** Share of the realms that may serve calls at once; the rest is the spare and kept or draining realms. */
const CALL_SHARE = 0.75;
/**
 * Calls one isolate runs at once at most with the default memory, whatever its heap holds. An isolate runs one
 * thing at a time: more calls side by side only help those waiting on the host (a provider's upstream), while
 * every realm held makes each garbage collection longer for all of them.
 */
export const MAX_CALLS_PER_ISOLATE = 32;
/**
 * Above the default memory the cap grows with it (one call per this many MiB of the heap limit): a user who
 * grants a provider more memory (plugins.grants[id].limits.memoryMb) does so to have more model calls waiting
 * on the upstream at once. With a 1 s upstream and 256 MB granted, a cap of 32 held 1,000 sessions to 29
 * turns/s (`pnpm bench load`); 75 with this.
 */
const MB_PER_CALL_ABOVE_CAP = 2;

/** Calls an isolate with this heap limit may run at once at most. */
export function maxCallsPerIsolate(memoryMb: number): number {
  return Math.max(MAX_CALLS_PER_ISOLATE, Math.floor(memoryMb / MB_PER_CALL_ABOVE_CAP));
}

export class RealmBudget {
  /** Realms that may be alive at once. */
  readonly maxRealms: number;
  /** Calls that may run at once (each holds a realm). */
  readonly maxCalls: number;
  /**
   * Realms left beside the most calls and the spare: draining realms get a share of them for sure; realms kept
   * for sessions use whatever the calls in flight leave (see IsolatePlugin).
   */
  readonly maxIdle: number;

  /**
   * @param memoryMb the plugin's heap limit
   * @param realmBytes heap one realm was measured to take when the plugin loaded
   */
  constructor(
    memoryMb: number,
    readonly realmBytes: number,
  ) {
    const perRealm = Math.max(MIN_REALM_BYTES, Number.isFinite(realmBytes) ? realmBytes : 0);
    this.maxRealms = Math.max(2, Math.floor((memoryMb * 1024 * 1024 * REALM_SHARE) / perRealm));
    this.maxCalls = Math.max(
      1,
      Math.min(maxCallsPerIsolate(memoryMb), Math.floor(this.maxRealms * CALL_SHARE)),
    );
    this.maxIdle = Math.max(0, this.maxRealms - this.maxCalls - 1);
  }
}

/** Used heap of an isolate, counting memory its objects hold outside the V8 heap (array buffers). */
export function usedHeapBytes(stats: {
  readonly used_heap_size: number;
  readonly externally_allocated_size: number;
}): number {
  return stats.used_heap_size + stats.externally_allocated_size;
}

/**
 * Share of the heap limit in use past which a call that would add to the calls in flight is refused unrun (the
 * host waits and sends it again). The realm budget counts realms, not what each call holds while it runs (a
 * provider's request, a context engine's copy of the conversation), so many calls at once could still run a
 * plugin out of memory: a V8 OOM disposes the isolate and fails every call in it. Realms kept for sessions
 * stay: garbage counts in the share too, and giving them up made a long session's next call resend all of it.
 */
export const ADMIT_BELOW_HEAP_SHARE = 0.6;
/** How long the host waits before sending a call refused for memory again. */
export const HEAP_RETRY_MS = 10;
/**
 * Share of the heap limit in use past which the runner has V8 collect a plugin's garbage once a call ends…
 * A plugin whose calls each leave a realm behind (a session's first call, a call without a session) fills its
 * heap with dead realms between V8's own collections, which V8 may start only near the limit of a small heap:
 * provider-openai, fresh realms and one session's calls alternating, reached 64 of its 64 MB before a collection
 * (after which 6 to 18 MB were live), and under load the collection came too late: isolated-vm disposed the
 * isolate as out of memory, failing every call in it (`pnpm bench providers`, 1 run in 5). Collecting past half
 * the limit kept it under 38 MB, at the same time per call.
 */
export const COLLECT_AT_HEAP_SHARE = 0.5;
/**
 * …again as the next call ends when a collection freed less than COLLECT_MIN_FREED of the limit, up to
 * COLLECT_RETRIES times in a row: a realm that has not let go yet holds its garbage for a moment, and a later
 * collection frees it (in the run above, collections waiting a fixed time instead let the heap reach its limit
 * again). Then the next waits COLLECT_BACKOFF_MS, doubling while collections free nothing: a plugin whose live
 * data is past half its limit must not pay a full collection after every call.
 */
const COLLECT_MIN_FREED = 0.1;
const COLLECT_RETRIES = 16;
const COLLECT_BACKOFF_MS = 1000;
const COLLECT_MAX_BACKOFF_MS = 30_000;

const wallClock = (): number => performance.now();

/** Heap samples are this far apart at least (each is a hop into the isolate's thread). */
const HEAP_SAMPLE_MS = 20;

/**
 * The heap an isolate has in use, sampled on watchdog ticks. Asked asynchronously: a synchronous read would
 * wait on the runner's thread for an isolate busy on another one.
 */
export class HeapWatch {
  readonly #isolate: ivm.Isolate;
  readonly #limitBytes: number;
  #usedBytes = 0;
  #asking = false;
  #askedAt = Number.NEGATIVE_INFINITY;
  /** Collections in a row that freed less than COLLECT_MIN_FREED. */
  #fruitless = 0;
  #nextCollectionAt = Number.NEGATIVE_INFINITY;

  constructor(isolate: ivm.Isolate, memoryMb: number) {
    this.#isolate = isolate;
    this.#limitBytes = memoryMb * 1024 * 1024;
  }

  /** Share of the heap limit in use at the last sample (garbage not yet collected included). */
  get share(): number {
    return this.#usedBytes / this.#limitBytes;
  }

  /**
   * True when the runner should have V8 collect the garbage now (see COLLECT_AT_HEAP_SHARE). Asked as every call
   * ends: the clock (a system call on this kind of machine) is read only past the share.
   */
  wantsCollection(now: () => number = wallClock): boolean {
    return this.share > COLLECT_AT_HEAP_SHARE && now() >= this.#nextCollectionAt;
  }

  /** Records a collection the runner had V8 make, with the heap in use after it. */
  collected(usedBytes: number, now: number): void {
    const freed = this.share - usedBytes / this.#limitBytes;
    this.#usedBytes = usedBytes;
    this.#fruitless = freed < COLLECT_MIN_FREED ? this.#fruitless + 1 : 0;
    const backoffs = this.#fruitless - COLLECT_RETRIES;
    this.#nextCollectionAt =
      backoffs < 0 ? now : now + Math.min(COLLECT_BACKOFF_MS * 2 ** backoffs, COLLECT_MAX_BACKOFF_MS);
  }

  /**
   * Asks for a sample while `calls` run (they are what fills the heap; an idle plugin costs nothing to watch),
   * unless one is on its way or was asked for lately.
   */
  sample(now: number, calls: number): void {
    if (calls === 0 || this.#asking || now - this.#askedAt < HEAP_SAMPLE_MS) return;
    this.#asking = true;
    this.#askedAt = now;
    this.#isolate.getHeapStatistics().then(
      (stats) => {
        this.#asking = false;
        this.#usedBytes = usedHeapBytes(stats);
      },
      () => {
        // disposed: the watchdog reports it
        this.#asking = false;
      },
    );
  }
}
