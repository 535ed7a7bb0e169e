import type { ToolCall } from '@roku/schemas';
import { summarize } from '../../events/loop-events.js';
import type { ApprovalRow } from '../../store/types.js';
import { abortable, asRokuError } from '../abort.js';
import type { CatalogEntry } from '../assembled.js';
import { checkpoint } from '../loop/run-state.js';
import type { AgentFrame, CallOutcome, LoopRun } from '../loop/types.js';
import type { ApprovalAnswer } from '../runtime-types.js';
import { isProcessAlive } from '../../store/index.js';
import { crashPoint } from './crash-points.js';
import { applyTicket } from './resume.js';

/** Asks the run's `approve` handler; no handler, or one that fails, rejects. */
async function askHandler(run: LoopRun, frame: AgentFrame, ticket: ApprovalRow): Promise<ApprovalAnswer> {
  const ask = run.env.handlers.approve;
  if (ask === undefined) return 'reject';
  try {
    return await abortable(
      ask({
        approvalId: ticket.id,
        toolName: ticket.toolName,
        arguments: ticket.arguments,
        risk: ticket.risk,
        digest: ticket.digest,
        argsSummary: summarize(ticket.arguments, 400),
      }),
      frame.signal,
    );
  } catch (err) {
    if (asRokuError(err).code === 'ROKU_RUN_INTERRUPTED') throw err;
    return 'reject';
  }
}

/**
 * Interactive mode: asks now and waits for the answer, then decides the ticket and applies it. "Always"
 * allows the tool for the rest of the session.
 */
export async function askAndApply(
  run: LoopRun,
  frame: AgentFrame,
  call: ToolCall,
  entry: CatalogEntry,
  ticket: ApprovalRow,
): Promise<CallOutcome> {
  const { store, pid } = run.env;
  // This process asks, so it keeps owning the run: another process may not decide the ticket meanwhile
  // (if this one dies, the ticket can be decided anywhere).
  checkpoint(run, { ownerPid: pid });
  const answer = await askHandler(run, frame, ticket);
  if (answer === 'always') run.env.alwaysAllowed.add(call.name);
  const decided = store.resumeDecidedRun(ticket.id, {
    decision: { approved: answer !== 'reject', by: 'interactive' },
    pid,
    isAlive: isProcessAlive,
  });
  crashPoint('approval-decided');
  // ToolEnd.elapsed_ms measures the tool, not the time the person took to answer.
  return applyTicket(run, frame, call, decided, entry, performance.now(), true);
}
