import type { FastifyInstance, FastifyReply, FastifyRequest, LightMyRequestResponse } from 'fastify';
import type { ServerContext } from '../context.js';
import { checkRun, runView, streamRun } from './runs.js';
import { lastEventIdOf } from '../runs/sse.js';
import { ID_PARAMS } from './sessions.js';

/**
 * The routes of the original gateway (spec §9.4), kept for its clients: `/health`, `POST /v1/requests`, its event
 * stream and replay, and `POST /v1/approvals/{id}/decision`. Each is a thin translation onto the native route
 * (called in-process with the caller's own headers, or through the same run checks), so scopes, session
 * ownership, audit and rate limits are the native route's, not a second copy of them.
 */

/** The original's request statuses. */
function requestStatus(status: unknown): 'Succeeded' | 'PendingApproval' | 'Failed' | 'Running' {
  if (status === 'succeeded') return 'Succeeded';
  if (status === 'awaiting_approval') return 'PendingApproval';
  if (status === 'queued' || status === 'running') return 'Running';
  return 'Failed';
}

/** The caller's headers that the native route needs: its token, trace context and idempotency key. */
function forwarded(request: FastifyRequest): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const name of ['authorization', 'traceparent', 'idempotency-key']) {
    const value = request.headers[name];
    if (typeof value === 'string') headers[name] = value;
  }
  return headers;
}

/** Sends a native route's error (status and `{code, message, details}` body) as it is. */
function relayError(reply: FastifyReply, res: LightMyRequestResponse): FastifyReply {
  return reply.code(res.statusCode).type('application/json').send(res.body);
}

const REQUEST_BODY = {
  type: 'object',
  required: ['session_id', 'goal'],
  additionalProperties: false,
  properties: {
    session_id: { type: 'string', pattern: '^[A-Za-z0-9._:-]{1,128}$' },
    goal: { type: 'string', minLength: 1, maxLength: 200000 },
  },
};

const DECISION_BODY = {
  type: 'object',
  required: ['approved'],
  additionalProperties: false,
  properties: {
    actor: { type: 'string', minLength: 1, maxLength: 200 },
    approved: { type: 'boolean' },
    comment: { type: 'string', maxLength: 2000 },
  },
};

export function compatRoutes(app: FastifyInstance, ctx: ServerContext): void {
  const inject = (
    request: FastifyRequest,
    method: 'GET' | 'POST',
    url: string,
    payload?: Record<string, unknown>,
  ): Promise<LightMyRequestResponse> =>
    app.inject({ method, url, headers: forwarded(request), ...(payload === undefined ? {} : { payload }) });

  app.get('/health', { config: { scope: 'public' }, schema: { tags: ['compat'] } }, () => ({ status: 'ok' }));

  app.post<{ Body: { session_id: string; goal: string } }>(
    '/v1/requests',
    {
      config: { scope: 'chat' },
      schema: {
        tags: ['compat'],
        description:
          'The original gateway’s request: runs the goal on the session (created if new) and waits; status is Succeeded, PendingApproval (with approval_id) or Failed.',
        body: REQUEST_BODY,
      },
    },
    async (request, reply) => {
      const { session_id: sessionId, goal } = request.body;
      // the run route creates (and claims) a session it does not know yet
      const res = await inject(request, 'POST', `/v1/sessions/${encodeURIComponent(sessionId)}/runs`, {
        goal,
        mode: 'wait',
        strategy: 'enqueue',
      });
      if (res.statusCode >= 300) return relayError(reply, res);
      const run = res.json<Record<string, unknown>>();
      return {
        request_id: run.id,
        status: requestStatus(run.status),
        message: run.message ?? '',
        artifacts: [],
        approval_id: run.approvalId ?? null,
        session_id: sessionId,
        run,
      };
    },
  );

  app.get<{ Params: { id: string } }>(
    '/v1/requests/:id/events',
    {
      config: { scope: 'chat' },
      schema: { tags: ['compat'], params: ID_PARAMS, description: 'The request’s events as SSE.' },
    },
    async (request, reply) => {
      checkRun(ctx, request.token, request.params.id);
      streamRun(ctx, request, reply, request.params.id, lastEventIdOf(request));
      return reply;
    },
  );

  app.get<{ Params: { id: string } }>(
    '/v1/tasks/:id/replay',
    {
      config: { scope: 'chat' },
      schema: { tags: ['compat'], params: ID_PARAMS, description: 'The run’s stored events, in order.' },
    },
    (request) => {
      checkRun(ctx, request.token, request.params.id);
      return {
        task_id: request.params.id,
        run: runView(ctx, request.params.id),
        events: ctx.runtime.store.listEvents(request.params.id),
      };
    },
  );

  app.post<{ Params: { id: string }; Body: { actor?: string; approved: boolean; comment?: string } }>(
    '/v1/approvals/:id/decision',
    {
      config: { scope: 'approvals' },
      schema: {
        tags: ['compat'],
        params: ID_PARAMS,
        description:
          'The original gateway’s decision: approve or reject the ticket; the run resumes. `actor` is kept in the comment; the deciding identity is the token.',
        body: DECISION_BODY,
      },
    },
    async (request, reply) => {
      const { actor, approved, comment } = request.body;
      const note = [actor === undefined ? undefined : `actor: ${actor}`, comment].filter(
        (part): part is string => part !== undefined && part !== '',
      );
      const res = await inject(
        request,
        'POST',
        `/v1/approvals/${encodeURIComponent(request.params.id)}/${approved ? 'approve' : 'reject'}`,
        { wait: true, ...(note.length === 0 ? {} : { comment: note.join('; ').slice(0, 2000) }) },
      );
      if (res.statusCode >= 300) return relayError(reply, res);
      const body = res.json<{ approval: Record<string, unknown>; run: Record<string, unknown> }>();
      return {
        ...body.approval,
        decision: approved ? 'Approved' : 'Rejected',
        run: body.run,
        request_status: requestStatus(body.run.status),
      };
    },
  );
}
