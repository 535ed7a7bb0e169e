/**
 * The collections the runner has V8 make in a plugin's isolate when its heap fills with garbage (see
 * COLLECT_AT_HEAP_SHARE in realm-budget.ts for why and when).
 */
import type ivm from 'isolated-vm';
import { RUNNER_GC_GLOBAL } from '../protocol.js';
import { usedHeapBytes } from './realm-budget.js';
import type { HeapWatch } from './realm-budget.js';

/**
 * Has V8 make a full garbage collection in the isolate, from a context of its own that no plugin code reaches
 * (V8's gc() is still on its global there, see RUNNER_GC_GLOBAL), and resolves with the heap in use after it.
 * Without the runner's flag (a runner started otherwise) nothing is collected. Rejects as isolated-vm does
 * (the isolate disposed, or still over its limit after the collection: out of memory).
 */
export async function collectGarbage(isolate: ivm.Isolate): Promise<number> {
  const context = await isolate.createContext();
  try {
    await context.evalClosure(
      `const gc = globalThis[${JSON.stringify(RUNNER_GC_GLOBAL)}]; if (typeof gc === 'function') gc();`,
      [],
    );
  } finally {
    context.release();
  }
  return usedHeapBytes(await isolate.getHeapStatistics());
}

/** What a collector needs from its plugin. */
export interface CollectorHost {
  /** Counts work running in the isolate off the runner's thread until it settles (see IsolateActivity). */
  track<T>(work: Promise<T>): Promise<T>;
  /** Starts charging the collection's CPU (like a realm preparation); returns what ends it. */
  charge(): () => void;
  /** A collection failed: the isolate is gone or out of memory. */
  failed(error: unknown): void;
}

/** One plugin's collections: one at a time, when its heap watch asks for one. */
export class HeapCollector {
  readonly #isolate: ivm.Isolate;
  readonly #heap: HeapWatch;
  readonly #host: CollectorHost;
  #running = false;

  constructor(isolate: ivm.Isolate, heap: HeapWatch, host: CollectorHost) {
    this.#isolate = isolate;
    this.#heap = heap;
    this.#host = host;
  }

  /** Starts a collection, off the runner's thread, if the heap wants one and none runs. */
  maybeCollect(): void {
    if (this.#running || !this.#heap.wantsCollection()) return;
    this.#running = true;
    const uncharge = this.#host.charge();
    this.#host
      .track(collectGarbage(this.#isolate))
      .then(
        (usedBytes) => {
          this.#heap.collected(usedBytes, performance.now());
        },
        (error: unknown) => {
          this.#host.failed(error);
        },
      )
      .finally(() => {
        uncharge();
        this.#running = false;
      });
  }
}
