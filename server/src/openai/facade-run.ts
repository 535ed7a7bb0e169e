import { randomUUID } from 'node:crypto';
import type { ChatMessage } from '@roku/schemas';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ServerContext } from '../context.js';
import { actorOf } from '../context.js';
import { toErrorBody } from '../http/errors.js';
import type { ServerRun } from '../runs/server-run.js';
import { runError } from './convert.js';
import { runParentOf } from '../http/request-ids.js';
import { batchedWriter } from '../http/batched-writes.js';
import type { BatchedWriter } from '../http/batched-writes.js';

export interface FacadeRunInput {
  /** Continue this session; default a new one seeded with `seed`. */
  readonly sessionId?: string;
  readonly seed: readonly ChatMessage[];
  readonly goal: string;
  readonly model: string | undefined;
  /** Which API, for the audit log. */
  readonly api: string;
}

/** Starts the agent on a facade request, as POST /v1/sessions/{id}/runs would (metrics, audit, approvals). */
export async function startFacadeRun(
  ctx: ServerContext,
  request: FastifyRequest,
  input: FacadeRunInput,
): Promise<ServerRun> {
  const fresh = input.sessionId === undefined;
  const sessionId = input.sessionId ?? `oa-${randomUUID()}`;
  if (fresh) {
    ctx.owners.own(request.token, sessionId);
    if (input.seed.length > 0) {
      ctx.runtime.store.ensureSession(sessionId);
      ctx.runtime.store.appendMessages(sessionId, null, input.seed);
    }
  } else {
    ctx.owners.claim(ctx.runtime.store, request.token, sessionId);
  }
  const actor = actorOf(request.token);
  const run = await ctx.manager.start({
    sessionId,
    goal: input.goal,
    strategy: 'reject',
    fresh,
    actor,
    traceId: request.traceId,
    ...runParentOf(request.headers.traceparent),
    ...(input.model === undefined ? {} : { model: input.model }),
  });
  ctx.audit.record({
    actor,
    action: 'run.start',
    outcome: 'ok',
    sessionId,
    runId: run.id,
    requestId: request.id,
    traceId: request.traceId,
    details: { api: input.api, model: input.model ?? null },
  });
  return run;
}

/**
 * Calls `onText` with every piece of the main agent's streamed text (from the start of the run, then live) and
 * resolves once the run's leg has ended.
 */
export async function followText(run: ServerRun, onText: (text: string) => void): Promise<void> {
  const relay = (item: { event: { type: string; agent_id: string; text?: string } } | 'end'): void => {
    if (item !== 'end' && item.event.type === 'LlmTextDelta' && item.event.agent_id === 'main') {
      onText(item.event.text ?? '');
    }
  };
  for (const item of run.log.since(0)) relay(item);
  const stop = run.log.listen(relay);
  try {
    await run.settled;
  } finally {
    stop();
  }
}

/** A run that failed or was interrupted: 502 with the run's error (the client's request itself was fine). */
export function sendRunFailure(reply: FastifyReply, run: ServerRun): FastifyReply {
  const { body } = toErrorBody(runError(run));
  return reply.code(502).send(body);
}

/** Starts an SSE answer on the raw socket (OpenAI style: data lines). */
export function openSse(request: FastifyRequest, reply: FastifyReply, run: ServerRun): BatchedWriter {
  reply.hijack();
  reply.raw.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache, no-transform',
    connection: 'keep-alive',
    'x-request-id': request.id,
    'x-trace-id': request.traceId,
    'x-roku-run-id': run.id,
    'x-roku-session-id': run.sessionId,
  });
  return batchedWriter(reply.raw);
}
