import type { RouterPolicy } from './types.js';

/** Spec §5.6 defaults, the same as the host config's `agent.*` defaults. */
export const DEFAULT_ROUTER_POLICY: RouterPolicy = Object.freeze({
  maxRetries: 5,
  initialBackoffMs: 200,
  maxBackoffMs: 30_000,
  breakerFailureThreshold: 4,
  breakerCooldownMs: 30_000,
  timeoutMs: 300_000,
});

/** The router policy from the host config's `agent` section (`providerTimeoutMs` becomes `timeoutMs`). */
export function routerPolicyFromConfig(agent: {
  readonly maxRetries: number;
  readonly initialBackoffMs: number;
  readonly maxBackoffMs: number;
  readonly breakerFailureThreshold: number;
  readonly breakerCooldownMs: number;
  readonly providerTimeoutMs: number;
}): RouterPolicy {
  return Object.freeze({
    maxRetries: agent.maxRetries,
    initialBackoffMs: agent.initialBackoffMs,
    maxBackoffMs: agent.maxBackoffMs,
    breakerFailureThreshold: agent.breakerFailureThreshold,
    breakerCooldownMs: agent.breakerCooldownMs,
    timeoutMs: agent.providerTimeoutMs,
  });
}

/** The reason an aborted signal carries, or a standard AbortError. */
export function abortReason(signal: AbortSignal): Error {
  // Typed as Error for promise rejections; a caller may abort with any value, which is passed on unchanged.
  return (signal.reason ?? new DOMException('The operation was aborted.', 'AbortError')) as Error;
}

/** setTimeout as a promise that rejects with the signal's reason when aborted. */
export function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted === true) {
      reject(abortReason(signal));
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(abortReason(signal as AbortSignal));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
