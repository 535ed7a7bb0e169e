import type { RokuErrorJson } from '@roku/schemas';
import { isRokuError } from '@roku/schemas';

/** HTTP status of each code a registry request can fail with; anything unlisted is a client error (400). */
const STATUS: Readonly<Record<string, number>> = {
  ROKU_REGISTRY_UNAUTHORIZED: 401,
  ROKU_REGISTRY_FORBIDDEN: 403,
  ROKU_REGISTRY_NOT_FOUND: 404,
  ROKU_REGISTRY_VERSION_EXISTS: 409,
  ROKU_REGISTRY_REQUEST_TOO_LARGE: 413,
  // A malformed document on the server's own disk is the server's fault, not the client's.
  ROKU_REGISTRY_INDEX_INVALID: 500,
  ROKU_REGISTRY_SERVER_ERROR: 500,
};

/** What the error handler sends: a status and a `{ code, message, details? }` body, never a stack. */
export interface ErrorReply {
  readonly status: number;
  readonly body: RokuErrorJson;
}

interface FrameworkError {
  readonly code?: unknown;
  readonly statusCode?: unknown;
  readonly message?: unknown;
}

/** Maps anything thrown while handling a request to its wire form. Unknown errors become a bare 500. */
export function errorReply(err: unknown): ErrorReply {
  if (isRokuError(err)) {
    const status = STATUS[err.code] ?? (err.code.startsWith('ROKU_REGISTRY_') ? 400 : 500);
    const internal = status >= 500;
    const body: RokuErrorJson = internal
      ? { code: 'ROKU_REGISTRY_SERVER_ERROR', message: 'the registry failed on this request' }
      : err.details === undefined
        ? { code: err.code, message: err.message }
        : { code: err.code, message: err.message, details: err.details };
    return { status, body };
  }
  const { code, statusCode, message } = (err ?? {}) as FrameworkError;
  if (code === 'FST_ERR_CTP_BODY_TOO_LARGE' || statusCode === 413) {
    return {
      status: 413,
      body: { code: 'ROKU_REGISTRY_REQUEST_TOO_LARGE', message: 'the request body is larger than allowed' },
    };
  }
  // Fastify's own 4xx (bad JSON, wrong content type, empty body) are the client's: keep status and message.
  if (typeof statusCode === 'number' && statusCode >= 400 && statusCode < 500) {
    const text = typeof message === 'string' ? message : 'bad request';
    return { status: statusCode, body: { code: 'ROKU_REGISTRY_BAD_REQUEST', message: `body: ${text}` } };
  }
  return {
    status: 500,
    body: { code: 'ROKU_REGISTRY_SERVER_ERROR', message: 'the registry failed on this request' },
  };
}
