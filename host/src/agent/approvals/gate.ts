import type { ToolCall } from '@roku/schemas';
import type { CatalogEntry } from '../assembled.js';
import { emit } from '../loop/run-state.js';
import { appendResult, executeTool } from '../loop/tool-execution.js';
import type { AgentFrame, CallOutcome, LoopRun } from '../loop/types.js';
import { askAndApply } from './ask.js';
import { classifyCall } from './policy.js';
import { applyTicket } from './resume.js';
import { openTicket, pausedOn } from './tickets.js';

/**
 * Runs a plugin tool call through the approval gate. A ticket recorded for it earlier (a resumed run) decides
 * it; otherwise the policy refuses, runs, or asks, and asking follows the run's approval mode: `deny` refuses
 * with a hint, `pause` stops the run on a ticket, `interactive` asks now.
 */
export async function gateToolCall(
  run: LoopRun,
  frame: AgentFrame,
  call: ToolCall,
  entry: CatalogEntry,
  started: number,
): Promise<CallOutcome> {
  const { settings, store } = run.env;
  const done = (content: string, isError: boolean): CallOutcome =>
    appendResult(run, frame, call, content, isError, started);
  const existing =
    frame === run.main
      ? store.listApprovals({ runId: frame.state.runId }).find((t) => t.toolCallId === call.id)
      : undefined;
  if (existing !== undefined) return applyTicket(run, frame, call, existing, entry, started);

  const verdict = classifyCall({
    tool: call.name,
    args: call.arguments,
    risk: entry.risk,
    denyPatterns: settings.denyPatterns,
    autoApprove: frame.state.autoApprove,
    alwaysAllowed: new Set([...frame.state.alwaysAllowed, ...run.env.alwaysAllowed]),
  });
  const denied = (by: string): void => {
    emit(run, frame, {
      type: 'ApprovalDecided',
      approval_id: '',
      tool_name: call.name,
      decision: 'denied',
      by,
      reason: verdict.reason,
    });
  };
  if (verdict.kind === 'deny') {
    denied('policy');
    return done(`denied by policy: ${verdict.reason}. The call was not run.`, false);
  }
  if (verdict.kind === 'run') return done(...(await executeTool(run, frame, entry, call)));

  const mode = frame.state.approvalMode;
  if (mode === 'deny') {
    denied('pipe');
    return done(
      `denied: ${call.name} needs approval (${verdict.reason}) and this session cannot ask (pipe mode). Run it in interactive \`roku chat\`, or pass --yes-always to approve every call.`,
      false,
    );
  }
  if (mode === 'pause' && frame !== run.main) {
    return done(
      `denied: ${call.name} needs approval (${verdict.reason}); a sub-agent cannot pause for one. Ask the parent to run it.`,
      false,
    );
  }
  const ticket = openTicket(run, frame, call, entry);
  if (mode === 'pause') return pausedOn(ticket, call);
  return askAndApply(run, frame, call, entry, ticket);
}
