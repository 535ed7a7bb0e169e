import type { ApprovalAnswer, ApprovalPrompt } from '@roku/host';
import type { AgentIo } from './context.js';
import type { Style } from './render.js';
import { oneLine } from './render.js';

/** The question asked for every tool call that needs approval. */
export const APPROVAL_QUESTION = '[approval] Allow? [y/N/a(auto)] ';

/** Shared by every prompt of one process: `a` turns on auto-approve for the rest of it. */
export interface ApprovalState {
  autoApprove: boolean;
}

/** Shows `question` and reads one answer; null when input ended or `signal` aborted. */
export type Ask = (question: string, signal?: AbortSignal) => Promise<string | null>;

/**
 * Shows the tool, its risk tags and arguments, then asks `[approval] Allow? [y/N/a(auto)]`:
 * `y` approves this call, `a` approves it and every later call of the process, anything else rejects.
 */
export async function askApproval(
  io: AgentIo,
  style: Style,
  prompt: ApprovalPrompt,
  state: ApprovalState,
  ask: Ask,
  signal?: AbortSignal,
): Promise<ApprovalAnswer> {
  // After `a`, the runtime may still ask for calls already queued in this run.
  if (state.autoApprove) return 'approve';
  const risk = prompt.risk.length === 0 ? 'unclassified' : prompt.risk.join(', ');
  const args = prompt.argsSummary === '' ? oneLine(prompt.arguments, 200) : prompt.argsSummary;
  io.stderr(`${style.yellow('⚠')} ${style.bold(prompt.toolName)} ${style.dim(`[${risk}]`)} wants to run\n`);
  io.stderr(`  ${args}\n`);
  const answer = ((await ask(APPROVAL_QUESTION, signal)) ?? '').trim().toLowerCase();
  if (answer === 'y' || answer === 'yes') {
    io.stderr(style.dim('  approved once\n'));
    return 'approve';
  }
  if (answer === 'a' || answer === 'auto' || answer === 'always') {
    state.autoApprove = true;
    io.stderr(style.dim('  approved; auto-approve is on for the rest of this process\n'));
    return 'always';
  }
  io.stderr(style.dim('  rejected\n'));
  return 'reject';
}
