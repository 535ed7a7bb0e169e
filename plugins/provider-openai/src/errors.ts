import OpenAI from 'openai';
import {
  ProviderError,
  providerErrorCodeForStatus,
  providerErrorFromCapability,
  retryAfterMs,
} from '@roku/plugin-api';
import type { ProviderErrorCode } from '@roku/plugin-api';

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

/**
 * Maps what the SDK (or the stream) threw onto the codes the host's router retries, fails over or gives up on.
 * `label` names the provider in the message (`openai`, `openai-compatible at http://…`).
 */
export function providerError(err: unknown, label: string): unknown {
  if (err instanceof ProviderError) return err;
  const host = providerErrorFromCapability(err, label);
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
