import { randomUUID } from 'node:crypto';
import { RokuError } from '@roku/schemas';
import type { SessionRow } from '@roku/host';
import type { FastifyInstance } from 'fastify';
import type { ServerContext } from '../context.js';
import { actorOf } from '../context.js';

const SESSION_ID = { type: 'string', pattern: '^[A-Za-z0-9._:-]{1,128}$', description: 'Session id.' };
export const ID_PARAMS = {
  type: 'object',
  required: ['id'],
  properties: { id: { type: 'string', minLength: 1, maxLength: 200, description: 'The id.' } },
} as const;

const LIST_QUERY = {
  type: 'object',
  additionalProperties: false,
  properties: {
    limit: { type: 'integer', minimum: 1, maximum: 200, default: 50, description: 'Page size.' },
    cursor: { type: 'string', maxLength: 400, description: 'nextCursor of the previous page.' },
    q: { type: 'string', maxLength: 200, description: 'Only sessions whose id or title contains this.' },
    status: {
      enum: ['running', 'awaiting_approval', 'succeeded', 'failed', 'interrupted'],
      description: 'Only sessions whose last run has this status.',
    },
  },
};

function sessionJson(s: SessionRow): Record<string, unknown> {
  return { object: 'session', ...s };
}

/** Sessions are ordered newest change first, then by id; the cursor is the last one's (updatedAt, id). */
function encodeCursor(s: SessionRow): string {
  return Buffer.from(JSON.stringify([s.updatedAt, s.id])).toString('base64url');
}

function afterCursor(cursor: string): (s: SessionRow) => boolean {
  let at: number;
  let id: string;
  try {
    [at, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as [number, string];
    if (typeof at !== 'number' || typeof id !== 'string') throw new Error('shape');
  } catch {
    throw new RokuError('ROKU_HTTP_INVALID_REQUEST', 'querystring/cursor is not a cursor this server gave', {
      details: { issues: [{ path: 'querystring/cursor', message: 'is not a valid cursor' }] },
    });
  }
  return (s) => s.updatedAt < at || (s.updatedAt === at && s.id > id);
}

export function sessionRoutes(app: FastifyInstance, ctx: ServerContext): void {
  const { runtime } = ctx;
  app.post<{ Body: { id?: string; title?: string } }>(
    '/v1/sessions',
    { config: { scope: 'chat' }, schema: { tags: ['sessions'], body: ctx.bodies.createSession } },
    async (request, reply) => {
      const id = request.body.id ?? `s-${randomUUID()}`;
      const existed = runtime.store.getSession(id) !== undefined;
      ctx.owners.claim(runtime.store, request.token, id);
      if (request.body.title !== undefined) runtime.store.setSessionTitle(id, request.body.title);
      ctx.audit.record({
        actor: actorOf(request.token),
        action: 'session.create',
        outcome: 'ok',
        sessionId: id,
        requestId: request.id,
        traceId: request.traceId,
      });
      return reply.code(existed ? 200 : 201).send(sessionJson(runtime.store.getSession(id) as SessionRow));
    },
  );

  app.get<{ Querystring: { limit: number; cursor?: string; q?: string; status?: string } }>(
    '/v1/sessions',
    { config: { scope: 'chat' }, schema: { tags: ['sessions'], querystring: LIST_QUERY } },
    (request) => {
      const { limit, cursor, q, status } = request.query;
      let rows = runtime.sessions();
      const visible = ctx.owners.visible(request.token);
      if (visible !== undefined) rows = rows.filter((s) => visible.has(s.id));
      if (cursor !== undefined) rows = rows.filter(afterCursor(cursor));
      if (q !== undefined) rows = rows.filter((s) => s.id.includes(q) || (s.title ?? '').includes(q));
      if (status !== undefined) rows = rows.filter((s) => s.lastRunStatus === status);
      const page = rows.slice(0, limit);
      const last = page.at(-1);
      return {
        object: 'list',
        data: page.map(sessionJson),
        nextCursor: rows.length > limit && last !== undefined ? encodeCursor(last) : null,
      };
    },
  );

  app.get<{ Params: { id: string } }>(
    '/v1/sessions/:id',
    { config: { scope: 'chat' }, schema: { tags: ['sessions'], params: ID_PARAMS } },
    (request) => {
      ctx.owners.check(runtime.store, request.token, request.params.id);
      const { session, messages, runs } = runtime.session(request.params.id);
      return {
        ...sessionJson(session),
        messages: messages.map((m) => ({ seq: m.seq, runId: m.runId, createdAt: m.createdAt, ...m.message })),
        runs: runs.map((r) => ({
          id: r.id,
          status: r.status,
          goal: r.goal,
          createdAt: r.createdAt,
          updatedAt: r.updatedAt,
          message: r.resultMessage,
          error: r.errorCode === null ? null : { code: r.errorCode, message: r.errorMessage },
        })),
      };
    },
  );

  app.delete<{ Params: { id: string } }>(
    '/v1/sessions/:id',
    { config: { scope: 'chat' }, schema: { tags: ['sessions'], params: ID_PARAMS } },
    async (request, reply) => {
      ctx.owners.check(runtime.store, request.token, request.params.id);
      runtime.deleteSession(request.params.id);
      ctx.owners.forget(request.params.id);
      ctx.audit.record({
        actor: actorOf(request.token),
        action: 'session.delete',
        outcome: 'ok',
        sessionId: request.params.id,
        requestId: request.id,
        traceId: request.traceId,
      });
      return reply.code(204).send();
    },
  );
}

export { SESSION_ID };
