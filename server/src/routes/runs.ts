import { RokuError } from '@roku/schemas';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ServerContext } from '../context.js';
import { actorOf } from '../context.js';
import { newServerRunId, runJson, storedRunJson } from '../runs/server-run.js';
import type { BusyStrategy, ServerRun } from '../runs/server-run.js';
import { lastEventIdOf, streamEvents } from '../runs/sse.js';
import { ID_PARAMS } from './sessions.js';
import { runParentOf } from '../http/request-ids.js';
import { seesAllSessions } from '../auth/owners.js';
import type { TokenInfo } from '../auth/tokens.js';

interface CreateRunBody {
  goal: string;
  mode: 'stream' | 'wait' | 'background';
  strategy: BusyStrategy;
  model?: string;
  planMode?: boolean;
  timeoutMs: number;
  webhook?: { url: string; secret: string };
}

const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,200}$/;

function live(run: ServerRun | undefined): boolean {
  return run !== undefined && (run.status === 'queued' || run.status === 'running');
}

/** The run's JSON from memory, else from the store. @throws ROKU_RUN_NOT_FOUND */
export function runView(ctx: ServerContext, runId: string): Record<string, unknown> {
  const known = ctx.manager.get(runId);
  if (known !== undefined) return runJson(known);
  const row = ctx.runtime.store.getRun(runId);
  if (row === undefined) throw new RokuError('ROKU_RUN_NOT_FOUND', `no run ${runId}`, { details: { runId } });
  return storedRunJson(row, ctx.runtime.store.listEvents(runId).length);
}

/**
 * Refuses a run of a session the token may not see with the 404 of a missing run (ids do not leak).
 * @throws ROKU_RUN_NOT_FOUND
 */
export function checkRun(ctx: ServerContext, token: TokenInfo | undefined, runId: string): void {
  if (seesAllSessions(token)) return;
  const sessionId = ctx.manager.get(runId)?.sessionId ?? ctx.runtime.store.getRun(runId)?.sessionId;
  if (sessionId === undefined || !ctx.owners.may(token, sessionId)) {
    throw new RokuError('ROKU_RUN_NOT_FOUND', `no run ${runId}`, { details: { runId } });
  }
}

/** Answers with the run's SSE stream from `lastEventId`. @throws ROKU_RUN_NOT_FOUND */
export function streamRun(
  ctx: ServerContext,
  request: FastifyRequest,
  reply: FastifyReply,
  runId: string,
  lastEventId: number,
): void {
  const log = ctx.manager.logOf(runId);
  if (log === undefined) throw new RokuError('ROKU_RUN_NOT_FOUND', `no run ${runId}`, { details: { runId } });
  streamEvents(request, reply, log, {
    lastEventId,
    heartbeatMs: ctx.heartbeatMs,
    live: () => live(ctx.manager.get(runId)),
    endData: () => runView(ctx, runId),
    headers: { 'x-roku-run-id': runId },
  });
}

/** Answers a created (or retried) run per its mode. */
async function answer(
  ctx: ServerContext,
  request: FastifyRequest,
  reply: FastifyReply,
  runId: string,
  body: CreateRunBody,
  created: boolean,
): Promise<unknown> {
  if (body.mode === 'stream') {
    streamRun(ctx, request, reply, runId, lastEventIdOf(request));
    return reply;
  }
  const run = ctx.manager.get(runId);
  reply.header('location', `/v1/runs/${runId}`);
  if (body.mode === 'wait' && run !== undefined && live(run)) await ctx.manager.wait(run, body.timeoutMs);
  const view = runView(ctx, runId);
  const done = !['queued', 'running'].includes(view.status as string);
  return reply.code(done && body.mode === 'wait' ? 200 : created ? 202 : 200).send(view);
}

export function runRoutes(app: FastifyInstance, ctx: ServerContext): void {
  app.post<{ Params: { id: string }; Body: CreateRunBody }>(
    '/v1/sessions/:id/runs',
    { config: { scope: 'chat' }, schema: { tags: ['runs'], params: ID_PARAMS, body: ctx.bodies.createRun } },
    async (request, reply) => {
      const body = request.body;
      const tokenId = request.token?.id ?? '';
      const key = request.headers['idempotency-key'];
      if (key !== undefined && (typeof key !== 'string' || !IDEMPOTENCY_KEY.test(key))) {
        throw new RokuError(
          'ROKU_HTTP_INVALID_REQUEST',
          'headers/idempotency-key must be 1-200 printable characters',
          {
            details: {
              issues: [{ path: 'headers/idempotency-key', message: 'must be 1-200 printable characters' }],
            },
          },
        );
      }
      const fresh = ctx.owners.claim(ctx.runtime.store, request.token, request.params.id);
      const keyed = { sessionId: request.params.id, ...body };
      const earlier = key === undefined ? undefined : ctx.idempotency.find(tokenId, key, keyed);
      if (earlier !== undefined) {
        reply.header('idempotent-replayed', 'true');
        return answer(ctx, request, reply, earlier, body, false);
      }
      if (body.webhook !== undefined) checkWebhook(ctx, body.webhook.url);
      const runId = newServerRunId();
      if (key !== undefined) ctx.idempotency.record(tokenId, key, keyed, runId);
      const actor = actorOf(request.token);
      try {
        await ctx.manager.start({
          runId,
          sessionId: request.params.id,
          goal: body.goal,
          strategy: body.strategy,
          fresh,
          actor,
          traceId: request.traceId,
          ...runParentOf(request.headers.traceparent),
          ...(body.model === undefined ? {} : { model: body.model }),
          ...(body.planMode === undefined ? {} : { planMode: body.planMode }),
          ...(body.webhook === undefined ? {} : { webhook: body.webhook }),
        });
      } catch (err) {
        if (key !== undefined) ctx.idempotency.forget(tokenId, key);
        throw err;
      }
      ctx.audit.record({
        actor,
        action: 'run.start',
        outcome: 'ok',
        sessionId: request.params.id,
        runId,
        requestId: request.id,
        traceId: request.traceId,
        details: { mode: body.mode, strategy: body.strategy, model: body.model ?? null },
      });
      return answer(ctx, request, reply, runId, body, true);
    },
  );

  app.get<{ Params: { id: string } }>(
    '/v1/runs/:id',
    { config: { scope: 'chat' }, schema: { tags: ['runs'], params: ID_PARAMS } },
    (request) => {
      checkRun(ctx, request.token, request.params.id);
      return runView(ctx, request.params.id);
    },
  );

  app.get<{ Params: { id: string }; Querystring: { lastEventId?: number } }>(
    '/v1/runs/:id/events',
    {
      config: { scope: 'chat' },
      schema: {
        tags: ['runs'],
        params: ID_PARAMS,
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            lastEventId: { type: 'integer', minimum: 0, description: 'Same as the Last-Event-ID header.' },
          },
        },
      },
    },
    async (request, reply) => {
      checkRun(ctx, request.token, request.params.id);
      streamRun(ctx, request, reply, request.params.id, lastEventIdOf(request));
      return reply;
    },
  );

  app.post<{ Params: { id: string } }>(
    '/v1/runs/:id/cancel',
    { config: { scope: 'chat' }, schema: { tags: ['runs'], params: ID_PARAMS } },
    async (request) => {
      checkRun(ctx, request.token, request.params.id);
      const actor = actorOf(request.token);
      const run = await ctx.manager.cancel(request.params.id, actor);
      if (run === undefined) runView(ctx, request.params.id);
      ctx.audit.record({
        actor,
        action: 'run.cancel',
        outcome: 'ok',
        runId: request.params.id,
        ...(run === undefined ? {} : { sessionId: run.sessionId }),
        requestId: request.id,
        traceId: request.traceId,
      });
      return runView(ctx, request.params.id);
    },
  );
}

/**
 * Refuses a webhook whose origin the operator did not allow (`--webhook-origin`): the server would otherwise call
 * any address a chat token names, its own loopback services and cloud metadata included.
 *
 * @throws ROKU_HTTP_WEBHOOK_NOT_ALLOWED
 */
function checkWebhook(ctx: ServerContext, url: string): void {
  let origin: string;
  try {
    const parsed = new URL(url);
    if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') throw new Error('not http(s)');
    origin = parsed.origin;
  } catch {
    throw new RokuError('ROKU_HTTP_INVALID_REQUEST', `body/webhook/url is not an http(s) URL: ${url}`, {
      details: { field: 'body/webhook/url' },
    });
  }
  if (!ctx.webhookOrigins.has(origin)) {
    throw new RokuError(
      'ROKU_HTTP_WEBHOOK_NOT_ALLOWED',
      `body/webhook/url: ${origin} is not an allowed webhook origin; start roku serve with --webhook-origin ${origin} to allow it`,
      { details: { field: 'body/webhook/url', origin } },
    );
  }
}
