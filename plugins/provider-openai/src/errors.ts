import OpenAI from 'openai';
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

const CONTEXT_WINDOW = /context[_ ]length|context window|maximum context|too many tokens|prompt is too long/i;
const QUOTA = /insufficient_quota|quota|billing|credit balance/i;

/** The code for an upstream error body's `code`/`type` and message, or undefined to go by HTTP status. */
function codeFromBody(code: string, message: string): ProviderErrorCode | undefined {
  if (code === 'context_length_exceeded' || CONTEXT_WINDOW.test(message)) {
    return 'PROVIDER_CONTEXT_WINDOW_EXCEEDED';
  }
  if (code === 'insufficient_quota' || code === 'billing_hard_limit_reached')
    return 'PROVIDER_QUOTA_EXCEEDED';
  if (code === 'rate_limit_exceeded') return 'PROVIDER_RATE_LIMIT';
  if (code === 'server_error' || code === 'api_error') return 'PROVIDER_SERVER_ERROR';
  if (code === 'overloaded_error' || code === 'server_is_overloaded') return 'PROVIDER_OVERLOADED';
  if (code === 'invalid_api_key' || code === 'authentication_error') return 'PROVIDER_AUTH_FAILED';
  if (code === 'invalid_request_error' && QUOTA.test(message)) return 'PROVIDER_QUOTA_EXCEEDED';
  return undefined;
}

/** Host codes of ctx.fetch failures and what they mean to the router. */
const HOST_CODES: Readonly<Record<string, ProviderErrorCode>> = {
  // DNS, connect, reset, an upstream that stops answering: transient.
  ROKU_CAPABILITY_FAILED: 'PROVIDER_CONNECTION_FAILED',
  ROKU_CAPABILITY_RATE_LIMITED: 'PROVIDER_RATE_LIMIT',
  // A denied origin, a malformed request, a body over the cap: retrying cannot help.
  ROKU_CAPABILITY_DENIED: 'PROVIDER_INVALID_REQUEST',
  ROKU_CAPABILITY_BAD_REQUEST: 'PROVIDER_INVALID_REQUEST',
  ROKU_CAPABILITY_LIMIT: 'PROVIDER_FATAL',
  ROKU_CAPABILITY_QUOTA_EXCEEDED: 'PROVIDER_FATAL',
};

/** A Roku host error from ctx.fetch (a denied origin, a missing secret, a reset): with the host's own words. */
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

/**
 * Maps what the SDK (or the stream) threw onto the codes the host's router retries, fails over or gives up on.
 * `label` names the provider in the message (`openai`, `openai-compatible at http://…`).
 */
export function providerError(err: unknown, label: string): unknown {
  if (err instanceof ProviderError) return err;
  const host = hostCapabilityError(err, label);
  if (host !== undefined) return host;
  if (err instanceof OpenAI.APIConnectionTimeoutError) {
    return new ProviderError('PROVIDER_TIMEOUT', `${label}: ${err.message}`);
  }
  if (err instanceof OpenAI.APIUserAbortError) return err;
  if (err instanceof OpenAI.APIConnectionError) {
    return new ProviderError('PROVIDER_CONNECTION_FAILED', `${label}: ${err.message}`);
  }
  if (err instanceof OpenAI.APIError) {
    const body = (err.error ?? {}) as { code?: unknown; type?: unknown };
    const code = typeof body.code === 'string' ? body.code : typeof body.type === 'string' ? body.type : '';
    const mapped =
      codeFromBody(code, err.message) ??
      (typeof err.status === 'number' ? providerErrorCodeForStatus(err.status) : 'PROVIDER_SERVER_ERROR');
    const after = retryAfterMs(err.headers as Headers | undefined);
    return new ProviderError(
      mapped,
      `${label}: ${err.message}`,
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
