import type { CodesOf, ErrorCatalog } from '@roku/schemas';

/** Error codes raised by @roku/server (the HTTP API of `roku serve`). Codes are API: never renamed or reused. */
export const SERVER_ERRORS = {
  ROKU_HTTP_UNAUTHORIZED: 'The request has no bearer token, or the token is unknown or revoked (HTTP 401).',
  ROKU_HTTP_FORBIDDEN: 'The token lacks the scope the route needs; details.needed names it (HTTP 403).',
  ROKU_HTTP_RATE_LIMITED:
    'The token sent more requests than its per-minute limit allows; retry after the Retry-After header (HTTP 429).',
  ROKU_HTTP_INVALID_REQUEST:
    'The body, query or path fails the route schema: malformed JSON, a missing, unknown or wrongly typed field; the message names it (HTTP 400).',
  ROKU_HTTP_BODY_TOO_LARGE:
    'The request body is larger than the body limit of roku serve (--body-limit, default 1 MiB) (HTTP 413).',
  ROKU_HTTP_INTERNAL:
    'An unexpected failure inside the server (a bug); the log has the stack trace under the request id (HTTP 500).',
  ROKU_HTTP_NOT_FOUND: 'No route has that method and path (HTTP 404).',
  ROKU_HTTP_IDEMPOTENCY_CONFLICT: 'An Idempotency-Key was reused with a different request body (HTTP 422).',
  ROKU_HTTP_INSECURE_LISTEN:
    'roku serve refuses a non-loopback address while no access token exists; create one with roku token create.',
  ROKU_HTTP_LISTEN_FAILED:
    'roku serve cannot listen on the address and port given (in use by another process, or not permitted).',
  ROKU_HTTP_WEBHOOK_NOT_ALLOWED:
    "A run's webhook URL is not on an origin roku serve was started to allow (--webhook-origin) (HTTP 403).",
  ROKU_HTTP_SHUTTING_DOWN: 'The server is shutting down and starts no new runs (HTTP 503).',
  ROKU_RUN_CANCELLED:
    'The run was cancelled, or interrupted by a newer run on its session (strategy interrupt).',
  ROKU_TOKEN_NOT_FOUND: 'No access token has that id.',
  ROKU_TOKEN_INVALID_SCOPE: 'A token scope is not one of chat, approvals, admin, metrics.',
} as const satisfies ErrorCatalog;

export type ServerErrorCode = keyof typeof SERVER_ERRORS;

declare module '@roku/schemas/errors' {
  // Lets `new RokuError(code, …)` accept this catalog's codes.
  interface RokuErrorCodes extends CodesOf<typeof SERVER_ERRORS> {}
}
