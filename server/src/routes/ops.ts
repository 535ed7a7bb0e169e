import type { FastifyInstance } from 'fastify';
import type { ServerContext } from '../context.js';

const AUDIT_QUERY = {
  type: 'object',
  additionalProperties: false,
  properties: {
    action: {
      type: 'string',
      maxLength: 100,
      description: 'e.g. run.start, approval.approve, plugin.install, auth.denied.',
    },
    actor: { type: 'string', maxLength: 200, description: 'e.g. token:<id>.' },
    outcome: { enum: ['ok', 'denied', 'failed'], description: 'Only this outcome.' },
    sessionId: { type: 'string', maxLength: 128, description: 'Only this session.' },
    runId: { type: 'string', maxLength: 200, description: 'Only this run.' },
    since: { type: 'integer', minimum: 0, description: 'Only entries at or after this epoch ms.' },
    after: {
      type: 'integer',
      minimum: 0,
      description: 'Cursor: entries after this seq (nextCursor of the previous page).',
    },
    limit: { type: 'integer', minimum: 1, maximum: 1000, default: 100, description: 'Page size.' },
  },
};

/** /healthz (liveness), /readyz (snapshot loaded, stores writable), /metrics, /v1/audit. */
export function opsRoutes(app: FastifyInstance, ctx: ServerContext): void {
  app.get('/healthz', { config: { scope: 'public' }, schema: { tags: ['ops'] } }, () => ({
    status: 'ok',
  }));

  app.get('/readyz', { config: { scope: 'public' }, schema: { tags: ['ops'] } }, async (_request, reply) => {
    const checks: Record<string, string> = {};
    try {
      const info = ctx.runtime.snapshotInfo();
      checks.snapshot = info.models.length > 0 ? 'ok' : 'no model provider loaded';
    } catch (err) {
      checks.snapshot = (err as Error).message;
    }
    try {
      ctx.runtime.store.listSessions({ limit: 1 });
      // A write that is rolled back proves the file is writable without changing it.
      ctx.db.exec('BEGIN IMMEDIATE; ROLLBACK');
      checks.store = 'ok';
    } catch (err) {
      checks.store = (err as Error).message;
    }
    const ready = Object.values(checks).every((v) => v === 'ok');
    return reply.code(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not ready', checks });
  });

  app.get(
    '/metrics',
    { config: { scope: 'metrics' }, schema: { tags: ['ops'] } },
    async (_request, reply) => {
      const text = await ctx.metrics.registry.metrics();
      return reply.type(ctx.metrics.registry.contentType).send(text);
    },
  );

  app.get<{
    Querystring: {
      action?: string;
      actor?: string;
      outcome?: string;
      sessionId?: string;
      runId?: string;
      since?: number;
      after?: number;
      limit: number;
    };
  }>(
    '/v1/audit',
    { config: { scope: 'admin' }, schema: { tags: ['ops'], querystring: AUDIT_QUERY } },
    (request) => {
      const entries = ctx.audit.query(request.query);
      const last = entries.at(-1);
      return {
        object: 'list',
        data: entries,
        nextCursor: entries.length === request.query.limit && last !== undefined ? last.seq : null,
      };
    },
  );
}
