import type { ToolCall } from '@roku/schemas';
import { summarize } from '../../events/loop-events.js';
import type { ApprovalRow } from '../../store/types.js';
import type { CatalogEntry } from '../assembled.js';
import { emit } from '../loop/run-state.js';
import type { AgentFrame, LoopRun, Paused } from '../loop/types.js';
import { callDigest } from './policy.js';

/**
 * Writes the approval ticket of a call together with the run's checkpoint (one transaction), then reports
 * `ApprovalRequested`. A sub-agent's call is recorded under `<agent>:<call id>`.
 */
export function openTicket(
  run: LoopRun,
  frame: AgentFrame,
  call: ToolCall,
  entry: CatalogEntry,
): ApprovalRow {
  const main = run.main.state;
  const digest = callDigest(call.name, call.arguments);
  const ticket = run.env.store.createApproval(
    {
      id: `ap-${crypto.randomUUID()}`,
      runId: main.runId,
      sessionId: main.sessionId,
      toolCallId: frame === run.main ? call.id : `${frame.agentId}:${call.id}`,
      toolName: call.name,
      arguments: call.arguments,
      digest,
      risk: entry.risk,
    },
    main,
  );
  emit(run, frame, {
    type: 'ApprovalRequested',
    approval_id: ticket.id,
    tool_name: call.name,
    digest,
    risk: entry.risk,
    args_summary: summarize(call.arguments),
  });
  return ticket;
}

/** The pause of a run on a fresh ticket (pause mode). */
export function pausedOn(ticket: ApprovalRow, call: ToolCall): Paused {
  return {
    kind: 'paused',
    approvalId: ticket.id,
    message: `waiting for approval ${ticket.id}: ${call.name} ${summarize(call.arguments, 120)}`,
  };
}
