import type { ApprovalAnswer, ApprovalPrompt } from '@roku/host';
import { callLines } from './call-view.js';
import type { AgentIo } from './context.js';
import type { Style } from './render.js';
import { safe } from './render.js';

/** The question asked for every tool call that needs approval, once the whole call has been shown. */
export const APPROVAL_QUESTION = '[approval] Allow? [y/N/a(auto)] ';
/** The question while part of a long call is still unseen: `v` shows the rest. */
export const APPROVAL_QUESTION_MORE = '[approval] Allow? [y/N/a(auto)/v(view all)] ';
/** Lines of a call shown before asking; a longer call shows its first lines and offers `v` for the rest. */
export const APPROVAL_PAGE_LINES = 20;

/** Shared by every prompt of one process: `a` turns on auto-approve for the rest of it. */
export interface ApprovalState {
  autoApprove: boolean;
}

/** Shows `question` and reads one answer; null when input ended or `signal` aborted. */
export type Ask = (question: string, signal?: AbortSignal) => Promise<string | null>;

/**
 * Shows the tool, its risk tags and its whole call, then asks `[approval] Allow? [y/N/a(auto)]`:
 * `y` approves this call, `a` approves it and every later call of the process, anything else rejects.
 * A call longer than {@link APPROVAL_PAGE_LINES} lines shows its first lines and asks with `v(view all)`:
 * `v` prints the rest, and `y` or `a` are not taken until it has been seen, so no part of a call is approved
 * unseen. Everything the model or plugin supplied is escaped for the terminal.
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
  io.stderr(
    `${style.yellow('⚠')} ${style.bold(safe(prompt.toolName))} ${style.dim(`[${safe(risk)}]`)} wants to run\n`,
  );
  const lines = callLines(prompt.arguments);
  let shown = Math.min(lines.length, APPROVAL_PAGE_LINES);
  io.stderr(`${lines.slice(0, shown).join('\n')}\n`);
  for (;;) {
    const unseen = lines.length - shown;
    if (unseen > 0)
      io.stderr(style.dim(`  … ${unseen} more line${unseen === 1 ? '' : 's'}: v to view all\n`));
    const question = unseen > 0 ? APPROVAL_QUESTION_MORE : APPROVAL_QUESTION;
    const answer = ((await ask(question, signal)) ?? '').trim().toLowerCase();
    if (answer === 'v' || answer === 'view') {
      if (unseen > 0) io.stderr(`${lines.slice(shown).join('\n')}\n`);
      shown = lines.length;
      continue;
    }
    const approving = ['y', 'yes', 'a', 'auto', 'always'].includes(answer);
    if (approving && unseen > 0) {
      io.stderr(
        style.yellow(
          `  ${unseen} line${unseen === 1 ? '' : 's'} of this call not seen yet: v shows them, n refuses\n`,
        ),
      );
      continue;
    }
    if (answer === 'y' || answer === 'yes') {
      io.stderr(style.dim('  approved once\n'));
      return 'approve';
    }
    if (approving) {
      // `state.autoApprove` is the one record of "a": later runs get it as their autoApprove, and /approve
      // shows and changes it. The runtime's per-tool "always" is not used, so turning it off takes effect.
      state.autoApprove = true;
      io.stderr(
        style.dim('  approved; auto-approve is on for the rest of this process (/approve off to stop)\n'),
      );
      return 'approve';
    }
    io.stderr(style.dim('  rejected\n'));
    return 'reject';
  }
}
