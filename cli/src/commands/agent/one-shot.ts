import { createInterface } from 'node:readline';
import { RokuError } from '@roku/schemas';
import type { AgentRuntime, ApprovalMode, RunHandlers, RunResult } from '@roku/host';
import { interactive } from '../lifecycle/prompt.js';
import { askApproval } from './approve-prompt.js';
import type { ApprovalState } from './approve-prompt.js';
import type { AgentIo } from './context.js';
import { AGENT_EXIT, onInterrupt, withRuntime } from './context.js';
import { createLineReader } from './lines.js';
import type { LineReader } from './lines.js';
import { createEventPrinter, jsonLine, safe, styleFor } from './render.js';
import { reportOf, statusLines, usageText } from './result.js';

export interface RunOptions {
  readonly json: boolean;
  readonly sessionId?: string;
  readonly model?: string;
  readonly yesAlways: boolean;
}

/** Starts (or resumes) a run with the given handlers and signal. */
export type StartRun = (
  handlers: RunHandlers,
  approvalMode: ApprovalMode,
  signal: AbortSignal,
) => Promise<RunResult>;

/**
 * Drives one run the way `roku run` shows it: tool lines on stderr, approvals asked on a terminal (else the run
 * pauses on a ticket), then the final message on stdout. With `json`, stdout carries the result object only
 * and stderr nothing but what needs a person (an approval question on a terminal): the object has the
 * status, error, suggestion and ticket the lines would have told.
 * Exit 0 succeeded, 3 paused on a ticket, 1 failed or interrupted.
 */
export async function driveOneShot(
  io: AgentIo,
  runtime: AgentRuntime,
  state: ApprovalState,
  json: boolean,
  start: StartRun,
): Promise<number> {
  const style = styleFor(io);
  const asking = interactive(io);
  const printer = json ? undefined : createEventPrinter(io, style, false);
  const controller = new AbortController();
  const stopListening = onInterrupt(() => {
    controller.abort();
  });
  let reader: LineReader | undefined;
  let close: (() => void) | undefined;
  const ask = (question: string, signal?: AbortSignal): Promise<string | null> => {
    if (reader === undefined) {
      // Created on the first question only: a run that asks nothing must not touch stdin.
      const rl = createInterface({ input: io.stdin ?? process.stdin, terminal: false });
      reader = createLineReader(rl);
      close = () => {
        rl.close();
      };
    }
    printer?.finish();
    io.stderr(question);
    return reader.next(signal);
  };
  const quarantinedBefore = quarantines(runtime);
  if (!json) {
    for (const [id, reason] of quarantinedBefore)
      io.stderr(`${style.yellow(quarantineWarning(id, reason, 'is'))}\n`);
    // A slot setting that names no loaded plugin (often misspelt) falls back to the default: say so.
    for (const w of runtime.snapshotInfo().warnings) {
      if (w.startsWith('memory slot: ') || w.startsWith('context engine: ')) {
        io.stderr(`${style.yellow(`warning: ${safe(w)}`)}\n`);
      }
    }
  }
  let result: RunResult;
  try {
    result = await start(
      {
        ...(printer === undefined ? {} : { onEvent: printer.onEvent }),
        ...(asking
          ? { approve: (prompt) => askApproval(io, style, prompt, state, ask, controller.signal) }
          : {}),
      },
      asking ? 'interactive' : 'pause',
      controller.signal,
    );
  } finally {
    stopListening();
    close?.();
  }
  const exit =
    result.status === 'succeeded'
      ? AGENT_EXIT.ok
      : result.status === 'awaiting_approval'
        ? AGENT_EXIT.awaiting
        : AGENT_EXIT.failed;
  if (json) {
    io.stdout(jsonLine(reportOf(result)));
    return exit;
  }
  printer?.finish();
  const ticket =
    result.status === 'awaiting_approval' && result.approvalId !== undefined
      ? runtime.store.getApproval(result.approvalId)
      : undefined;
  if (result.status === 'succeeded') {
    // The model's answer: escaped like everything a plugin supplies, so it cannot act on the terminal.
    const message = safe(result.message);
    io.stdout(message.endsWith('\n') ? message : `${message}\n`);
  }
  for (const line of statusLines(result, style, ticket)) io.stderr(`${line}\n`);
  for (const [id, reason] of quarantines(runtime)) {
    if (!quarantinedBefore.has(id)) io.stderr(`${style.yellow(quarantineWarning(id, reason, 'was'))}\n`);
  }
  io.stderr(`${usageText(result, style)}\n`);
  return exit;
}

/** Quarantined plugin ids and why, as every roku process records them. */
function quarantines(runtime: AgentRuntime): Map<string, string> {
  try {
    return new Map(
      runtime.store
        .listPluginStates()
        .filter((p) => p.quarantinedAt !== null)
        .map((p) => [p.id, p.quarantineReason ?? 'repeated failures']),
    );
  } catch {
    return new Map();
  }
}

function quarantineWarning(id: string, reason: string, verb: 'is' | 'was'): string {
  const when = verb === 'was' ? ' during this run' : '';
  return `warning: ${safe(id)} ${verb} quarantined${when} (${safe(reason)}): it is left out; after fixing it, lift it with roku plugin enable ${safe(id)}`;
}

/** `roku run <goal...>`: one goal, one run, then exit. */
export async function runCommand(
  io: AgentIo,
  configFile: string | undefined,
  words: readonly string[],
  opts: RunOptions,
): Promise<number> {
  const goal = words.join(' ').trim();
  if (goal === '')
    throw new RokuError('ROKU_CLI_USAGE', 'run: the goal is empty; e.g. roku run "list the files here"');
  return withRuntime(io, configFile, 'run', async ({ runtime, configAutoApprove }) => {
    const state: ApprovalState = { autoApprove: opts.yesAlways || configAutoApprove };
    return driveOneShot(io, runtime, state, opts.json, (handlers, approvalMode, signal) =>
      runtime.run(
        {
          ...(opts.sessionId === undefined ? {} : { sessionId: opts.sessionId }),
          goal,
          approvalMode,
          autoApprove: state.autoApprove,
          ...(opts.model === undefined ? {} : { model: opts.model }),
          signal,
        },
        handlers,
      ),
    );
  });
}
