/**
 * The calls of an isolate plugin (isolate-plugin.ts) while they run, and the error that ends them when the
 * watchdog finds the plugin over a CPU budget.
 */
import type { RunnerLimits, WireError } from '../protocol.js';
import { wireError } from './engine.js';
import type { CallOutcome } from './engine.js';
import type { CpuVerdict } from './watchdog.js';
import { HEAP_RETRY_MS } from './realm-budget.js';

/** Budget slot of the load itself (runner call ids are positive; realm preparations count down from -2). */
export const LOAD_CALL_ID = -1;

/** A call in flight. It ends once (the first outcome wins: a cancel or a disposal may come first). */
export class InflightCall {
  cpuStartNs: bigint;
  /** How it ended; undefined while it runs. */
  outcome: CallOutcome | undefined;
  #resolve: ((outcome: CallOutcome) => void) | undefined;
  #promise: Promise<CallOutcome> | undefined;

  constructor(
    readonly id: number,
    cpuStartNs: bigint,
    /** performance.now() time past which the watchdog ends the call (the plugin is disposed). */
    readonly deadline: number,
  ) {
    this.cpuStartNs = cpuStartNs;
  }

  get settled(): boolean {
    return this.outcome !== undefined;
  }

  settle(outcome: CallOutcome): void {
    if (this.outcome !== undefined) return;
    this.outcome = outcome;
    this.#resolve?.(outcome);
  }

  /** The outcome when the call has ended, else a promise of it. */
  result(): CallOutcome | Promise<CallOutcome> {
    if (this.outcome !== undefined) return this.outcome;
    this.#promise ??= new Promise((resolve) => {
      this.#resolve = resolve;
    });
    return this.#promise;
  }
}

/** The timeout that disposes a plugin over a CPU budget: a call's, a realm preparation's or its background work's. */
export function cpuTimeout(
  pluginKey: string,
  verdict: NonNullable<CpuVerdict>,
  limits: RunnerLimits,
  loadCpuMs: number,
): WireError {
  const what =
    verdict.kind === 'idle'
      ? 'background work (timers, continuations)'
      : verdict.id === LOAD_CALL_ID
        ? 'loading'
        : verdict.id < 0
          ? 'preparing a fresh context'
          : `call ${verdict.id}`;
  const limitMs = verdict.kind === 'call' && verdict.id < 0 ? loadCpuMs : limits.cpuMsPerCall;
  return wireError('ROKU_SANDBOX_TIMEOUT', `${pluginKey}: ${what} exceeded ${limitMs} ms of CPU time`, {
    limit: 'cpu',
    limitMs,
    ...(verdict.kind === 'idle' ? { background: true } : {}),
  });
}

/**
 * The answer to a call the heap has no room for now (see realm-budget.ts): refused unrun, so the host waits
 * `retryAfterMs` and sends it again while its deadline allows.
 */
export function heapBusy(pluginKey: string, share: number, memoryMb: number): CallOutcome {
  const inUse = Math.round(share * memoryMb);
  return {
    ok: false,
    error: wireError(
      'ROKU_SANDBOX_BUSY',
      `${pluginKey}: ${inUse} of its ${memoryMb} MB of memory are in use by the calls it runs; the call waits`,
      { limit: 'memory', notRun: true, retryAfterMs: HEAP_RETRY_MS },
    ),
  };
}

/** The answer to a call beyond the plugin's concurrency (the host queues the rest, see call-queue.ts). */
export function busy(pluginKey: string, concurrency: number): CallOutcome {
  return {
    ok: false,
    error: wireError('ROKU_SANDBOX_BUSY', `${pluginKey} already runs ${concurrency} call(s)`, {
      limit: concurrency,
    }),
  };
}
