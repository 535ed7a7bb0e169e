import { RokuError } from '@roku/schemas';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ServerContext } from '../context.js';
import { sendError } from './errors.js';
import { traceIdOf } from './request-ids.js';

function bearerOf(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (typeof header !== 'string') return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match?.[1];
}

/**
 * Every route but the public ones (health, docs) needs a live bearer token with the route's scope. Refusals are
 * 401 (no token, unknown or revoked) or 403 (scope), audited and counted.
 */
export function installAuth(app: FastifyInstance, ctx: ServerContext): void {
  app.addHook('onRequest', async (request, reply) => {
    request.traceId = traceIdOf(request.headers.traceparent);
    reply.header('x-request-id', request.id);
    reply.header('x-trace-id', request.traceId);
    const scope = request.routeOptions.config.scope;
    // Unknown routes (no scope) fall through to the 404 handler; they reveal nothing.
    if (scope === undefined || scope === 'public') {
      request.log = request.log.child({ traceId: request.traceId });
      return;
    }
    const presented = bearerOf(request);
    const token = presented === undefined ? undefined : ctx.tokens.verify(presented);
    let refusal: RokuError | undefined;
    if (token === undefined) {
      refusal = new RokuError(
        'ROKU_HTTP_UNAUTHORIZED',
        presented === undefined
          ? 'authorization: send "Authorization: Bearer <token>" (create one with roku token create)'
          : 'authorization: the bearer token is unknown or revoked',
      );
    } else if (!token.scopes.includes(scope)) {
      refusal = new RokuError(
        'ROKU_HTTP_FORBIDDEN',
        `authorization: token ${token.id} lacks the scope "${scope}" this route needs`,
        { details: { needed: scope, scopes: token.scopes } },
      );
    }
    if (refusal !== undefined) {
      request.log = request.log.child({ traceId: request.traceId });
      ctx.metrics.denied(refusal.code === 'ROKU_HTTP_FORBIDDEN' ? 'scope' : 'token');
      ctx.audit.record({
        actor: token === undefined ? `ip:${request.ip}` : `token:${token.id}`,
        action: 'auth.denied',
        outcome: 'denied',
        requestId: request.id,
        traceId: request.traceId,
        target: `${request.method} ${request.routeOptions.url ?? request.url}`,
        details: { code: refusal.code },
      });
      await sendError(request, reply, refusal);
      return reply;
    }
    request.token = token;
    // One child logger per request with both ids (a pino child serializes its bindings: each one costs).
    request.log = request.log.child({ traceId: request.traceId, tokenId: token?.id });
  });
}
