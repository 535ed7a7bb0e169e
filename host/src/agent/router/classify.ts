import { PROVIDER_ERROR_CODES } from '@roku/schemas';

/**
 * How the router treats a failed attempt:
 * - retry: transient (rate limit, overload, 5xx, timeout, connection, sandbox timeout, crash or out of memory:
 *   an isolate that runs out of memory fails every call in it, most of them bystanders, and is loaded again)
 * - fail: final for this request, counts against the provider's breaker
 * - neutral: final, the request's fault, not the provider's (invalid request, snapshot swapped mid-call)
 * - context-window: the conversation does not fit; the loop compacts and tries again
 */
export type FailureKind = 'retry' | 'fail' | 'neutral' | 'context-window';

export interface ClassifiedFailure {
  readonly kind: FailureKind;
  /** A PROVIDER_* code, or the host code for sandbox and capability failures. */
  readonly code: string;
  /** The code as thrown, when it differs from `code` (an unknown plugin code mapped to PROVIDER_FATAL). */
  readonly rawCode: string;
  readonly message: string;
  readonly retryAfterMs?: number;
}

const RETRIED = new Set<string>([
  'PROVIDER_RATE_LIMIT',
  'PROVIDER_OVERLOADED',
  'PROVIDER_SERVER_ERROR',
  'PROVIDER_TIMEOUT',
  'PROVIDER_CONNECTION_FAILED',
  'ROKU_SANDBOX_TIMEOUT',
  'ROKU_SANDBOX_CRASHED',
  'ROKU_SANDBOX_OOM',
]);

/** Failures that are not the provider's fault and must not open its breaker. */
const NEUTRAL = new Set<string>(['PROVIDER_INVALID_REQUEST', 'ROKU_SANDBOX_UNLOADED', 'ROKU_SANDBOX_BUSY']);

const KNOWN_PROVIDER_CODES = new Set<string>(PROVIDER_ERROR_CODES);

/** Short explanations for users, by code. */
const EXPLANATIONS: Readonly<Record<string, string>> = {
  PROVIDER_RATE_LIMIT: 'the provider rate-limited the request',
  PROVIDER_OVERLOADED: 'the provider is overloaded',
  PROVIDER_SERVER_ERROR: 'the provider had a server error',
  PROVIDER_TIMEOUT: 'the request timed out',
  PROVIDER_CONNECTION_FAILED: 'the provider could not be reached',
  PROVIDER_AUTH_FAILED: 'the provider rejected the credentials (check the API key or log in again)',
  PROVIDER_INVALID_REQUEST: 'the provider rejected the request as invalid',
  PROVIDER_QUOTA_EXCEEDED: "the account's quota or credit is used up",
  PROVIDER_CONTEXT_WINDOW_EXCEEDED: "the conversation does not fit the model's context window",
  PROVIDER_FATAL: 'the provider failed',
  ROKU_SANDBOX_TIMEOUT: 'the provider plugin exceeded its time limit',
  ROKU_SANDBOX_CRASHED: "the provider plugin's sandbox crashed",
  ROKU_SANDBOX_OOM: 'the provider plugin ran out of memory',
  ROKU_SANDBOX_QUARANTINED: 'the provider plugin is quarantined after repeated failures',
  ROKU_SANDBOX_BAD_OUTPUT: 'the provider plugin returned malformed output',
  ROKU_SANDBOX_OUTPUT_TOO_LARGE: 'the provider plugin returned too much output',
  ROKU_SANDBOX_UNLOADED: 'the provider plugin was unloaded during the request',
  ROKU_SANDBOX_BUSY: 'the provider plugin is busy with other requests',
};

/** A sentence naming what went wrong, for error messages. */
export function explain(code: string): string {
  return EXPLANATIONS[code] ?? `the provider plugin failed (${code})`;
}

/**
 * Classifies what a provider binding threw: a ROKU_PLUGIN_FAILED error carries the plugin's own code in
 * `details.pluginCode` (unknown codes count as PROVIDER_FATAL, per the ABI); other Roku errors are sandbox or
 * capability failures; a `{ code: 'PROVIDER_…' }` object is taken as a provider code directly.
 */
export function classifyFailure(error: unknown): ClassifiedFailure {
  const shape = (typeof error === 'object' && error !== null ? error : {}) as {
    code?: unknown;
    message?: unknown;
    details?: unknown;
    retryAfterMs?: unknown;
  };
  const message = typeof shape.message === 'string' ? shape.message : String(error);
  const details = (typeof shape.details === 'object' && shape.details !== null ? shape.details : {}) as {
    pluginCode?: unknown;
    retryAfterMs?: unknown;
  };
  let code: string;
  let retryAfter: unknown;
  if (shape.code === 'ROKU_PLUGIN_FAILED') {
    code = typeof details.pluginCode === 'string' ? details.pluginCode : 'PROVIDER_FATAL';
    retryAfter = details.retryAfterMs;
  } else if (typeof shape.code === 'string' && shape.code !== '') {
    code = shape.code;
    retryAfter = shape.retryAfterMs ?? details.retryAfterMs;
  } else {
    code = 'PROVIDER_FATAL';
  }
  const rawCode = code;
  if (!code.startsWith('ROKU_') && !KNOWN_PROVIDER_CODES.has(code)) code = 'PROVIDER_FATAL';
  const kind: FailureKind =
    code === 'PROVIDER_CONTEXT_WINDOW_EXCEEDED'
      ? 'context-window'
      : RETRIED.has(code)
        ? 'retry'
        : NEUTRAL.has(code)
          ? 'neutral'
          : 'fail';
  const retryAfterMs =
    typeof retryAfter === 'number' && Number.isFinite(retryAfter) && retryAfter >= 0 ? retryAfter : undefined;
  return { kind, code, rawCode, message, ...(retryAfterMs === undefined ? {} : { retryAfterMs }) };
}

/** Backoff before retry number `retryIndex` (0 for the first retry), spec §5.6. */
export function backoffDelay(
  retryIndex: number,
  policy: { readonly initialBackoffMs: number; readonly maxBackoffMs: number },
  random: () => number,
  retryAfterMs?: number,
): number {
  const cap = Math.max(0, policy.maxBackoffMs);
  if (retryAfterMs !== undefined) return Math.min(cap, retryAfterMs);
  const jitter = 0.9 + 0.2 * Math.min(1, Math.max(0, random()));
  return Math.min(cap, Math.round(policy.initialBackoffMs * 2 ** retryIndex * jitter));
}
