import Anthropic from '@anthropic-ai/sdk';
import {
  ProviderError,
  providerErrorCodeForStatus,
  providerErrorFromCapability,
  retryAfterMs,
} from '@roku/plugin-api';
import type { ProviderErrorCode } from '@roku/plugin-api';

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
  const host = providerErrorFromCapability(err, label);
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
