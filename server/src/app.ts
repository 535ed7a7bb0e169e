import Fastify, { LogController } from 'fastify';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { RokuError } from '@roku/schemas';
import type { ServerContext } from './context.js';
import { installAuth } from './http/auth.js';
import { createValidatorCompiler } from './http/api-schemas.js';
import { sendError } from './http/errors.js';
import { requestIdOf } from './http/request-ids.js';
import { sessionRoutes } from './routes/sessions.js';
import { runRoutes } from './routes/runs.js';
import { approvalRoutes } from './routes/approvals.js';
import { opsRoutes } from './routes/ops.js';
import { pluginRoutes } from './routes/plugins.js';
import { openAiRoutes } from './openai/routes.js';
import { compatRoutes } from './routes/compat.js';
import { mcpRoutes } from './mcp/routes.js';

export interface AppLimits {
  /** Largest request body in bytes. */
  readonly bodyLimit: number;
  /** Requests per token (or client address, before auth) per minute. */
  readonly rateLimitPerMinute: number;
}

/** Builds the fastify app: ids, auth, rate limit, validation, errors, the OpenAPI document and every route. */
export async function buildApp(ctx: ServerContext, limits: AppLimits): Promise<FastifyInstance> {
  // Typed as fastify's logger so the instance keeps fastify's default types.
  const loggerInstance: FastifyBaseLogger = ctx.logger;
  const app = Fastify({
    loggerInstance,
    bodyLimit: limits.bodyLimit,
    genReqId: requestIdOf,
    logController: new LogController({ requestIdLogLabel: 'reqId', disableRequestLogging: true }),
    // Streams stay open for a long time; idle keep-alive sockets are the client's business.
    keepAliveTimeout: 65_000,
  });
  app.setValidatorCompiler(createValidatorCompiler());
  app.decorateRequest('token', undefined);
  app.decorateRequest('traceId', '');
  installAuth(app, ctx);
  await app.register(rateLimit, {
    max: limits.rateLimitPerMinute,
    timeWindow: 60_000,
    keyGenerator: (request) => request.token?.id ?? `ip:${request.ip}`,
    allowList: (request) => request.routeOptions.config.scope === 'public',
    errorResponseBuilder: (_request, context) =>
      new RokuError(
        'ROKU_HTTP_RATE_LIMITED',
        `rate limit: more than ${context.max} requests a minute; retry in ${Math.ceil(context.ttl / 1000)} s`,
        { details: { limit: context.max, retryAfterMs: context.ttl } },
      ),
  });
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Roku HTTP API',
        version: '0.1.0',
        description:
          'roku serve: sessions, runs (SSE, wait, background), approvals, plugin admin, an OpenAI-compatible facade, metrics and audit. Every route but health and docs needs a bearer token with the route scope.',
      },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
    },
  });
  app.addHook('onRoute', (route) => {
    // The docs routes registered by swagger-ui are public.
    if (route.url.startsWith('/docs')) route.config = { ...route.config, scope: 'public' };
  });
  await app.register(swaggerUi, { routePrefix: '/docs', uiConfig: { docExpansion: 'list' } });
  app.setErrorHandler((err, request, reply) => sendError(request, reply, err));
  app.setNotFoundHandler((request, reply) =>
    sendError(
      request,
      reply,
      new RokuError('ROKU_HTTP_NOT_FOUND', `no route ${request.method} ${request.url.split('?')[0] ?? ''}`),
    ),
  );
  app.addHook('onResponse', (request, reply, done) => {
    const route = request.routeOptions.url ?? 'unknown';
    ctx.metrics.request(route, reply.statusCode);
    // One line per request with its ids (reqId, traceId and tokenId are bound to request.log).
    request.log.info(
      { method: request.method, route, status: reply.statusCode, ms: Math.round(reply.elapsedTime) },
      'request',
    );
    done();
  });
  await app.register((scoped, _options, done) => {
    opsRoutes(scoped, ctx);
    sessionRoutes(scoped, ctx);
    runRoutes(scoped, ctx);
    approvalRoutes(scoped, ctx);
    pluginRoutes(scoped, ctx);
    openAiRoutes(scoped, ctx);
    compatRoutes(scoped, ctx);
    mcpRoutes(scoped, ctx);
    scoped.get('/openapi.json', { config: { scope: 'public' }, schema: { hide: true } }, () => app.swagger());
    done();
  });
  return app;
}
