import type { AgentRuntime, RunResult } from '@roku/host';
import { askApproval } from '../approve-prompt.js';
import type { Ask } from '../approve-prompt.js';
import type { AgentIo } from '../context.js';
import type { Style } from '../render.js';
import { createEventPrinter, safe } from '../render.js';
import { fixFor, statusLines, usageText } from '../result.js';
import type { ChatState } from './slash.js';
import { appendTranscript, transcriptFile } from './transcript.js';
import type { ActiveTurn, ChatTerminal } from './terminal.js';

export interface GoalContext {
  readonly io: AgentIo;
  readonly runtime: AgentRuntime;
  readonly state: ChatState;
  readonly style: Style;
  readonly term: ChatTerminal;
  readonly turn: ActiveTurn;
  readonly print: (text: string) => void;
  /** ROKU_HOME: where the session's transcript is mirrored. */
  readonly home: string;
}

/**
 * Runs one goal typed in the chat: streams its events, asks for approvals on the terminal, then prints the
 * answer (unless it was streamed), the run's status and its usage. A failure is printed with its fix.
 */
export async function runGoal(ctx: GoalContext, goal: string): Promise<void> {
  const { io, runtime, state, style, term, turn, print } = ctx;
  const controller = new AbortController();
  const current = createEventPrinter(io, style, true);
  turn.controller = controller;
  turn.printer = current;
  const ask: Ask = (question, signal) => {
    current.finish();
    term.prompt(question);
    return term.reader.next(signal);
  };
  let result: RunResult;
  try {
    result = await runtime.run(
      {
        sessionId: state.sessionId,
        goal,
        approvalMode: 'interactive',
        autoApprove: state.autoApprove,
        ...(state.model === undefined ? {} : { model: state.model }),
        planMode: state.planMode,
        signal: controller.signal,
      },
      {
        onEvent: current.onEvent,
        approve: (p) => askApproval(io, style, p, state, ask, controller.signal),
      },
    );
  } catch (err) {
    current.finish();
    const { code, message } = err as { code?: unknown; message?: unknown };
    print(style.red(`error: ${String(message)}${typeof code === 'string' ? ` [${code}]` : ''}`));
    const fix = typeof code === 'string' ? fixFor(code) : undefined;
    if (fix !== undefined) print(`  fix: ${fix}`);
    return;
  } finally {
    turn.controller = undefined;
    turn.printer = undefined;
  }
  current.finish();
  appendTranscript(transcriptFile(ctx.home, io.env, result.sessionId), goal, result);
  state.lastRunId = result.runId;
  state.sessionId = result.sessionId;
  const answer = result.message.trim();
  if (result.status === 'succeeded' && answer !== '' && !current.streamed().includes(answer))
    print(safe(result.message));
  const ticket =
    result.status === 'awaiting_approval' && result.approvalId !== undefined
      ? runtime.store.getApproval(result.approvalId)
      : undefined;
  for (const line of statusLines(result, style, ticket)) print(line);
  print(usageText(result, style));
}
