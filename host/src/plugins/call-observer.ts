import { AsyncLocalStorage } from 'node:async_hooks';

/** One plugin call as an observer sees it once it ended (tracing spans, per-call timing). */
export interface SandboxCallRecord {
  readonly pluginId: string;
  readonly version: string;
  /** The operation, e.g. `provider:openai:chat`, `tool:read_file`, `context:beforeRequest`. */
  readonly op: string;
  /** Wall-clock start, in epoch milliseconds. */
  readonly startTime: number;
  readonly durationMs: number;
  readonly ok: boolean;
  /** The error's code when the call failed. */
  readonly code?: string;
}

export type SandboxCallObserver = (call: SandboxCallRecord) => void;

const observers = new AsyncLocalStorage<SandboxCallObserver>();

/**
 * Runs `fn` so that every plugin call made on its behalf (its awaits included: engine, memory, provider and tool
 * calls of a run) is reported to `observer` when it ends. The context rides the async chain, so callers need not
 * thread a handler through every layer that calls a plugin.
 */
export function observeSandboxCalls<T>(observer: SandboxCallObserver, fn: () => T): T {
  return observers.run(observer, fn);
}

/** The observer of the current async context, if any. */
export function currentSandboxCallObserver(): SandboxCallObserver | undefined {
  return observers.getStore();
}
