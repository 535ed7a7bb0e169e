import Anthropic from '@anthropic-ai/sdk';
import { ProviderError, providerErrorCodeForStatus } from '@roku/plugin-api';
import type { ProviderErrorCode } from '@roku/plugin-api';

/** Retry-After as milliseconds: `retry-after-ms`, delta-seconds or an HTTP date. */
export function retryAfterMs(headers: Headers | undefined): number | undefined {
  const ms = headers?.get('retry-after-ms');
  if (ms !== null && ms !== undefined && Number.isFinite(Number(ms))) return Math.max(0, Number(ms));
  const value = headers?.get('retry-after');
  if (value === null || value === undefined) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}

/** Anthropic's error `type`s (in HTTP bodies and in `error` stream events). */
const BY_TYPE: Readonly<Record<string, ProviderErrorCode>> = {
  overloaded_error: 'PROVIDER_OVERLOADED',
  rate_limit_error: 'PROVIDER_RATE_LIMIT',
  api_error: 'PROVIDER_SERVER_ERROR',
  timeout_error: 'PROVIDER_TIMEOUT',
  authentication_error: 'PROVIDER_AUTH_FAILED',
  permission_error: 'PROVIDER_AUTH_FAILED',
  billing_error: 'PROVIDER_QUOTA_EXCEEDED',
  request_too_large: 'PROVIDER_CONTEXT_WINDOW_EXCEEDED',
  not_found_error: 'PROVIDER_INVALID_REQUEST',
  invalid_request_error: 'PROVIDER_INVALID_REQUEST',
};

const HOST_CODES: Readonly<Record<string, ProviderErrorCode>> = {
  ROKU_CAPABILITY_FAILED: 'PROVIDER_CONNECTION_FAILED',
  ROKU_CAPABILITY_RATE_LIMITED: 'PROVIDER_RATE_LIMIT',
  ROKU_CAPABILITY_DENIED: 'PROVIDER_INVALID_REQUEST',
  ROKU_CAPABILITY_BAD_REQUEST: 'PROVIDER_INVALID_REQUEST',
  ROKU_CAPABILITY_LIMIT: 'PROVIDER_FATAL',
  ROKU_CAPABILITY_QUOTA_EXCEEDED: 'PROVIDER_FATAL',
};

function hostCapabilityError(err: unknown, label: string): ProviderError | undefined {
  let cause: unknown = err;
  for (let depth = 0; depth < 4 && typeof cause === 'object' && cause !== null; depth += 1) {
    const code = (cause as { code?: unknown }).code;
    const message = (cause as { message?: unknown }).message;
    if (typeof code === 'string' && code.startsWith('ROKU_CAPABILITY') && typeof message === 'string') {
      const mapped = /has no value for it/.test(message)
        ? 'PROVIDER_AUTH_FAILED'
        : (HOST_CODES[code] ?? 'PROVIDER_FATAL');
      return new ProviderError(mapped, `${label}: ${message}`);
    }
    cause = (cause as { cause?: unknown }).cause;
  }
  return undefined;
}

/** `{ type: 'error', error: { type, message } }` (HTTP body and stream event alike). */
function errorBody(err: { readonly error?: unknown; readonly message: string }): {
  type: string;
  message: string;
} {
  const outer = (err.error ?? {}) as { error?: { type?: unknown; message?: unknown }; type?: unknown };
  const inner = outer.error ?? outer;
  return {
    type: typeof inner.type === 'string' ? inner.type : '',
    message:
      typeof (inner as { message?: unknown }).message === 'string'
        ? String((inner as { message?: unknown }).message)
        : err.message,
  };
}

/** Maps what the SDK (or the stream) threw onto the codes the host's router retries, fails over or gives up on. */
export function providerError(err: unknown, label: string): unknown {
  if (err instanceof ProviderError) return err;
  const host = hostCapabilityError(err, label);
  if (host !== undefined) return host;
  if (err instanceof Anthropic.APIConnectionTimeoutError) {
    return new ProviderError('PROVIDER_TIMEOUT', `${label}: ${err.message}`);
  }
  if (err instanceof Anthropic.APIUserAbortError) return err;
  if (err instanceof Anthropic.APIConnectionError) {
    return new ProviderError('PROVIDER_CONNECTION_FAILED', `${label}: ${err.message}`);
  }
  if (err instanceof Anthropic.APIError) {
    const body = errorBody(err);
    let code: ProviderErrorCode =
      BY_TYPE[body.type] ??
      (typeof err.status === 'number' ? providerErrorCodeForStatus(err.status) : 'PROVIDER_SERVER_ERROR');
    if (/prompt is too long|context window|too many tokens/i.test(body.message)) {
      code = 'PROVIDER_CONTEXT_WINDOW_EXCEEDED';
    } else if (/credit balance|billing|quota/i.test(body.message)) {
      code = 'PROVIDER_QUOTA_EXCEEDED';
    }
    const after = retryAfterMs(err.headers as Headers | undefined);
    return new ProviderError(
      code,
      `${label}: ${body.message}`,
      after === undefined ? {} : { retryAfterMs: after },
    );
  }
  if (err instanceof SyntaxError) {
    return new ProviderError(
      'PROVIDER_SERVER_ERROR',
      `${label}: the stream sent invalid JSON: ${err.message}`,
    );
  }
  // fetch's own failures (a reset, a dropped socket); other TypeErrors are bugs and stay as they are.
  if (err instanceof Error && /terminated|socket|ECONNRESET|fetch failed|network/i.test(err.message)) {
    return new ProviderError('PROVIDER_CONNECTION_FAILED', `${label}: the connection failed: ${err.message}`);
  }
  return err;
}
