import { isRokuError } from '@roku/schemas';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';

/** The wire form of every error: `{ code, message, details }`. */
export interface ErrorBody {
  readonly code: string;
  readonly message: string;
  readonly details: Record<string, unknown>;
}

const STATUS_BY_CODE: Readonly<Record<string, number>> = {
  ROKU_HTTP_UNAUTHORIZED: 401,
  ROKU_HTTP_FORBIDDEN: 403,
  ROKU_HTTP_RATE_LIMITED: 429,
  ROKU_HTTP_INVALID_REQUEST: 400,
  ROKU_HTTP_BODY_TOO_LARGE: 413,
  ROKU_HTTP_NOT_FOUND: 404,
  ROKU_HTTP_IDEMPOTENCY_CONFLICT: 422,
  ROKU_HTTP_WEBHOOK_NOT_ALLOWED: 403,
  ROKU_HTTP_SHUTTING_DOWN: 503,
  ROKU_SESSION_BUSY: 409,
  ROKU_APPROVAL_ALREADY_DECIDED: 409,
  ROKU_APPROVAL_DIGEST_MISMATCH: 409,
  ROKU_SESSION_INVALID_ID: 400,
  ROKU_SESSION_INVALID_NAME: 400,
  ROKU_RUN_FAILED: 400,
  ROKU_MODEL_NOT_FOUND: 400,
  ROKU_TOKEN_INVALID_SCOPE: 400,
  ROKU_INSTALL_DENIED: 403,
  ROKU_INSTALL_DOWNGRADE: 409,
  ROKU_INSTALL_REQUIRED_BY: 409,
  ROKU_INSTALL_LOCKED: 409,
  ROKU_NO_PROVIDER: 503,
  ROKU_STORE_LOCKED: 503,
};

/** The HTTP status of a Roku error code: 404 for every *_NOT_FOUND, the table above, else 500. */
export function statusOf(code: string): number {
  if (code.endsWith('_NOT_FOUND')) return 404;
  return STATUS_BY_CODE[code] ?? 500;
}

/** Names the field an Ajv issue is about, as `body/goal` or `body: unknown field "x"`. */
function issueText(
  context: string,
  issue: { instancePath: string; message?: string; params: Record<string, unknown> },
): { path: string; message: string } {
  const base = `${context}${issue.instancePath}`;
  if (typeof issue.params.additionalProperty === 'string') {
    return { path: `${base}/${issue.params.additionalProperty}`, message: 'is not a known field' };
  }
  if (typeof issue.params.missingProperty === 'string') {
    return { path: `${base}/${issue.params.missingProperty}`, message: 'is required' };
  }
  return { path: base, message: issue.message ?? 'is invalid' };
}

/** Turns anything thrown in a route into the status and `{ code, message, details }` body. */
export function toErrorBody(err: unknown): { status: number; body: ErrorBody } {
  if (isRokuError(err)) {
    return {
      status: statusOf(err.code),
      body: { code: err.code, message: err.message, details: { ...err.details } },
    };
  }
  const fe = err as Partial<FastifyError> & {
    validation?: { instancePath: string; message?: string; params: Record<string, unknown> }[];
    validationContext?: string | undefined;
  };
  if (Array.isArray(fe.validation)) {
    const issues = fe.validation.map((i) => issueText(fe.validationContext ?? 'body', i));
    const first = issues[0];
    return {
      status: 400,
      body: {
        code: 'ROKU_HTTP_INVALID_REQUEST',
        message: first === undefined ? 'invalid request' : `${first.path} ${first.message}`,
        details: { issues },
      },
    };
  }
  if (fe.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
    return {
      status: 413,
      body: { code: 'ROKU_HTTP_BODY_TOO_LARGE', message: 'body: larger than the server allows', details: {} },
    };
  }
  if (fe.code === 'FST_ERR_RATE_LIMIT_EXCEEDED' || fe.statusCode === 429) {
    return {
      status: 429,
      body: { code: 'ROKU_HTTP_RATE_LIMITED', message: fe.message ?? 'rate limited', details: {} },
    };
  }
  if (typeof fe.statusCode === 'number' && fe.statusCode >= 400 && fe.statusCode < 500) {
    const json = fe.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || err instanceof SyntaxError;
    return {
      status: fe.statusCode === 415 ? 415 : 400,
      body: {
        code: 'ROKU_HTTP_INVALID_REQUEST',
        message: json ? `body: malformed JSON: ${fe.message ?? ''}` : `request: ${fe.message ?? ''}`,
        details: { cause: fe.code ?? null },
      },
    };
  }
  return {
    status: 500,
    body: { code: 'ROKU_HTTP_INTERNAL', message: 'internal server error', details: {} },
  };
}

export function sendError(request: FastifyRequest, reply: FastifyReply, err: unknown): FastifyReply {
  const { status, body } = toErrorBody(err);
  if (status >= 500) request.log.error({ err }, 'request failed');
  else request.log.info({ code: body.code, status }, 'request refused');
  return reply.code(status).type('application/json').send(body);
}
