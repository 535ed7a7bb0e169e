import type { ToolCall } from '@roku/schemas';
import { resultText } from '../../plugins/answers.js';
import type { ApprovalRow } from '../../store/types.js';
import type { CatalogEntry } from '../assembled.js';
import { emit } from '../loop/run-state.js';
import { appendResult, executeTool } from '../loop/tool-execution.js';
import type { AgentFrame, CallOutcome, LoopRun } from '../loop/types.js';
import { callDigest } from './policy.js';

/**
 * Applies a ticket to its call when the loop reaches it: still pending pauses, a rejection becomes a denial
 * result, and an approval runs the exact approved call at most once, even across crashes (it is claimed
 * `approved → executing` first and completed after). `announced`: the decision was just reported.
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
  const { store } = run.env;
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
      return done(
        `denied: the user rejected this call${ticket.comment === null ? '' : ` (${ticket.comment})`}. It was not run.`,
        false,
      );
    case 'executed':
      return done(resultText(ticket.result), false);
    case 'executing':
      return done(
        'error: this approved call started before the host stopped; its outcome is unknown and it is not run again',
        true,
      );
    case 'approved':
      break;
  }
  if (!store.claimApprovalExecution(ticket.id, callDigest(call.name, call.arguments))) {
    const again = store.getApproval(ticket.id);
    return again?.status === 'executed'
      ? done(resultText(again.result), false)
      : done('error: this approved call was already started elsewhere; it is not run twice', true);
  }
  const [content, isError] = await executeTool(run, frame, entry, call);
  store.completeApprovalExecution(ticket.id, isError ? { error: content } : content);
  return done(content, isError);
}
