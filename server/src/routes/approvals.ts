import { RokuError } from '@roku/schemas';
import { approvalView, callDigest, canonicalJson } from '@roku/host';
import type { ApprovalRow } from '@roku/host';
import type { FastifyInstance } from 'fastify';
import type { ServerContext } from '../context.js';
import { actorOf } from '../context.js';
import { runView } from './runs.js';
import { ID_PARAMS } from './sessions.js';
import { seesAllApprovals } from '../auth/owners.js';
import type { TokenInfo } from '../auth/tokens.js';

function ticketJson(row: ApprovalRow): Record<string, unknown> {
  return { object: 'approval', ...approvalView(row) };
}

/** The ticket, when the token may see its session. @throws ROKU_APPROVAL_NOT_FOUND (also for another's) */
function ticketOf(ctx: ServerContext, token: TokenInfo | undefined, id: string): ApprovalRow {
  const ticket = ctx.runtime.store.getApproval(id);
  if (ticket === undefined || !(seesAllApprovals(token) || ctx.owners.may(token, ticket.sessionId))) {
    throw new RokuError('ROKU_APPROVAL_NOT_FOUND', `no approval ticket ${id}`, {
      details: { approvalId: id },
    });
  }
  return ticket;
}

/** The full digest a prefix names. @throws ROKU_APPROVAL_DIGEST_MISMATCH */
function expectedDigest(ticket: ApprovalRow, given: string | undefined): string | undefined {
  if (given === undefined) return undefined;
  if (!ticket.digest.startsWith(given)) {
    throw new RokuError(
      'ROKU_APPROVAL_DIGEST_MISMATCH',
      `body/digest ${given} does not match approval ${ticket.id}'s digest ${ticket.digest.slice(0, 12)}…; review the call again`,
      { details: { approvalId: ticket.id, expected: given, actual: ticket.digest } },
    );
  }
  return ticket.digest;
}

const LIST_QUERY = {
  type: 'object',
  additionalProperties: false,
  properties: {
    status: {
      enum: ['pending', 'approved', 'rejected', 'executing', 'executed', 'cancelled'],
      default: 'pending',
      description: 'Tickets with this status.',
    },
    sessionId: { type: 'string', maxLength: 128, description: 'Only this session’s tickets.' },
  },
};

export function approvalRoutes(app: FastifyInstance, ctx: ServerContext): void {
  app.get<{ Querystring: { status: ApprovalRow['status']; sessionId?: string } }>(
    '/v1/approvals',
    { config: { scope: 'approvals' }, schema: { tags: ['approvals'], querystring: LIST_QUERY } },
    (request) => {
      const { status, sessionId } = request.query;
      let rows = ctx.runtime.approvals({ status, ...(sessionId === undefined ? {} : { sessionId }) });
      if (!seesAllApprovals(request.token)) {
        const visible = ctx.owners.visible(request.token);
        if (visible !== undefined) rows = rows.filter((t) => visible.has(t.sessionId));
      }
      return { object: 'list', data: rows.map(ticketJson) };
    },
  );

  app.get<{ Params: { id: string } }>(
    '/v1/approvals/:id',
    { config: { scope: 'approvals' }, schema: { tags: ['approvals'], params: ID_PARAMS } },
    (request) => {
      const ticket = ticketOf(ctx, request.token, request.params.id);
      const canonical = canonicalJson({ tool: ticket.toolName, arguments: ticket.arguments });
      return {
        ...ticketJson(ticket),
        canonical,
        digestMatches: callDigest(ticket.toolName, ticket.arguments) === ticket.digest,
      };
    },
  );

  for (const approved of [true, false]) {
    const verb = approved ? 'approve' : 'reject';
    app.post<{
      Params: { id: string };
      Body: { digest?: string; comment?: string; always?: boolean; wait?: boolean };
    }>(
      `/v1/approvals/:id/${verb}`,
      {
        config: { scope: 'approvals' },
        schema: {
          tags: ['approvals'],
          params: ID_PARAMS,
          body: approved ? ctx.bodies.approve : ctx.bodies.reject,
        },
      },
      async (request, reply) => {
        const ticket = ticketOf(ctx, request.token, request.params.id);
        const actor = actorOf(request.token);
        const { comment, always, wait } = request.body;
        const audit = (outcome: 'ok' | 'failed', details: Record<string, unknown>): void => {
          ctx.audit.record({
            actor,
            action: `approval.${verb}`,
            outcome,
            sessionId: ticket.sessionId,
            runId: ticket.runId,
            requestId: request.id,
            traceId: request.traceId,
            target: `${ticket.id} ${ticket.toolName}`,
            details: { digest: ticket.digest, always: always === true, ...details },
          });
        };
        let run;
        try {
          const digest = approved ? expectedDigest(ticket, request.body.digest) : undefined;
          run = await ctx.manager.decide(ticket.id, {
            approved,
            by: actor,
            ...(comment === undefined ? {} : { comment }),
            ...(digest === undefined ? {} : { expectedDigest: digest }),
            ...(approved && always === true ? { alwaysForSession: true } : {}),
          });
        } catch (err) {
          audit('failed', { code: (err as { code?: unknown }).code ?? null });
          throw err;
        }
        audit('ok', {});
        if (wait === true) await run.settled;
        const view = runView(ctx, run.id);
        return reply
          .code(wait === true ? 200 : 202)
          .send({ approval: ticketJson(ticketOf(ctx, request.token, ticket.id)), run: view });
      },
    );
  }
}
