import type { ToolCall } from '@roku/schemas';
import { RokuError } from '@roku/schemas';
import { resultText } from '../../plugins/answers.js';
import type { ApprovalRow } from '../../store/types.js';
import type { CatalogEntry } from '../assembled.js';
import { emit } from '../loop/run-state.js';
import { appendResult, executeTool } from '../loop/tool-execution.js';
import type { AgentFrame, CallOutcome, LoopRun } from '../loop/types.js';
import { crashPoint } from './crash-points.js';
import { callDigest } from './policy.js';

/** How long past the plugin's per-call wall limit a claim stays valid before another process may recover it. */
const LEASE_MARGIN_MS = 60_000;

/**
 * Applies a ticket to its call when the loop reaches it: still pending pauses, a rejection becomes a denial
 * result, and an approval runs the exact approved call at most once, even across crashes: it is claimed
 * `approved → executing` (with this process and a lease) once the plugin is loaded, right before the call is
 * sent, and completed after. A claim left by a dead process is settled by the store's recovery (a read runs
 * again; a write that may have run is asked again). `announced`: the decision was just reported.
 */
export async function applyTicket(
  run: LoopRun,
  frame: AgentFrame,
  call: ToolCall,
  ticket: ApprovalRow,
  entry: CatalogEntry,
  started: number,
  announced = false,
): Promise<CallOutcome> {
  const { store, pid } = run.env;
  const done = (content: string, isError: boolean): CallOutcome =>
    appendResult(run, frame, call, content, isError, started);
  if (!announced || ticket.status !== 'pending') {
    if (ticket.status === 'approved' || ticket.status === 'rejected') {
      emit(run, frame, {
        type: 'ApprovalDecided',
        approval_id: ticket.id,
        tool_name: call.name,
        decision: ticket.status,
        by: ticket.decidedBy ?? 'unknown',
        ...(ticket.comment === null ? {} : { reason: ticket.comment }),
      });
    }
  }
  switch (ticket.status) {
    case 'pending':
      return { kind: 'paused', approvalId: ticket.id, message: `waiting for approval ${ticket.id}` };
    case 'rejected':
    case 'cancelled':
      if (ticket.note !== null) {
        return done(
          `not run again: an earlier attempt of this approved call may have run (${ticket.note}); the user chose not to run it again. Check its effect before relying on it.`,
          true,
        );
      }
      return done(
        `denied: the user rejected this call${ticket.comment === null ? '' : ` (${ticket.comment})`}. It was not run.`,
        false,
      );
    case 'executed':
      return done(resultText(ticket.result), false);
    case 'executing':
      return done('error: this approved call is being run by another process; it is not run twice', true);
    case 'approved':
      break;
  }
  const digest = callDigest(call.name, call.arguments);
  const claim = { tried: false, won: false };
  const take = (): void => {
    claim.tried = true;
    const leaseUntil = Date.now() + entry.plugin.sandbox.limits.wallMsPerCall + LEASE_MARGIN_MS;
    claim.won = store.claimApprovalExecution(ticket.id, digest, { pid, leaseUntil });
    if (!claim.won) {
      throw new RokuError('ROKU_APPROVAL_ALREADY_DECIDED', `approval ${ticket.id} was started elsewhere`);
    }
    crashPoint('approval-claimed');
  };
  const [content, isError] = await executeTool(run, frame, entry, call, take);
  if (claim.won) {
    crashPoint('approval-ran');
    store.completeApprovalExecution(ticket.id, isError ? { error: content } : content);
    return done(content, isError);
  }
  if (claim.tried) {
    const again = store.getApproval(ticket.id);
    return again?.status === 'executed'
      ? done(resultText(again.result), false)
      : done('error: this approved call was already started elsewhere; it is not run twice', true);
  }
  // The call failed before it could be sent (the plugin did not load, its input was refused): it never ran,
  // and the ticket records that instead of staying approved forever.
  if (store.claimApprovalExecution(ticket.id, digest)) {
    store.completeApprovalExecution(ticket.id, { error: content, notRun: true });
  }
  return done(content, isError);
}
