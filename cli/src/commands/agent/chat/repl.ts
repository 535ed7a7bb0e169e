import { createInterface } from 'node:readline';
import { Writable } from 'node:stream';
import { RokuError } from '@roku/schemas';
import type { AgentRuntime, ReloadResult, RunResult } from '@roku/host';
import { interactive } from '../../lifecycle/prompt.js';
import { askApproval } from '../approve-prompt.js';
import type { Ask } from '../approve-prompt.js';
import type { AgentIo } from '../context.js';
import { AGENT_EXIT, withRuntime } from '../context.js';
import { createLineReader } from '../lines.js';
import type { EventPrinter, Style } from '../render.js';
import { createEventPrinter, styleFor } from '../render.js';
import { fixFor, statusLines, usageText } from '../result.js';
import { HISTORY_LIMIT, openHistory } from './history.js';
import { runSlash } from './slash.js';
import type { ChatState } from './slash.js';

export interface ChatOptions {
  readonly sessionId?: string;
  readonly model?: string;
  readonly yesAlways: boolean;
}

export const CHAT_PROMPT = 'roku> ';

/**
 * `roku chat`: the interactive REPL. Needs a terminal on stdin; scripts use `roku chat --pipe`.
 *
 * @throws ROKU_CLI_USAGE when stdin is not a terminal
 */
export async function chatCommand(
  io: AgentIo,
  configFile: string | undefined,
  opts: ChatOptions,
): Promise<number> {
  if (!interactive(io)) {
    throw new RokuError(
      'ROKU_CLI_USAGE',
      'chat: standard input is not a terminal; to send one goal from a script use --pipe, e.g. echo "hello" | roku chat --pipe',
    );
  }
  return withRuntime(io, configFile, 'chat', ({ runtime, configAutoApprove, home }) =>
    repl(io, runtime, home, {
      sessionId: opts.sessionId ?? 'chat-default',
      model: opts.model,
      provider: undefined,
      planMode: false,
      autoApprove: opts.yesAlways || configAutoApprove,
      lastRunId: undefined,
    }),
  );
}

function forwardTo(write: (text: string) => void): Writable {
  return new Writable({
    write(chunk: Buffer | string, _encoding, callback) {
      write(chunk.toString());
      callback();
    },
  });
}

function reloadNotice(result: ReloadResult, style: Style): string {
  return result.ok
    ? style.dim(
        `⟳ plugins reloaded: snapshot #${result.snapshot.id} (${result.reason}, ${Math.round(result.elapsedMs)} ms)`,
      )
    : style.yellow(
        `⚠ plugin reload failed, still on snapshot #${result.snapshot.id}: ${result.error?.message ?? result.reason}`,
      );
}

async function repl(io: AgentIo, runtime: AgentRuntime, home: string, state: ChatState): Promise<number> {
  const style = styleFor(io);
  const terminal = io.terminal ?? (io.stdin === undefined && process.stdin.isTTY);
  const history = openHistory(home);
  const rl = createInterface({
    input: io.stdin ?? process.stdin,
    ...(terminal
      ? {
          // A caller-supplied stdin (tests) gets its echo and prompts through io.stderr too.
          output: io.stdin === undefined ? process.stderr : forwardTo(io.stderr),
          terminal: true,
          history: [...history.entries()].reverse(),
          historySize: HISTORY_LIMIT,
        }
      : { terminal: false }),
  });
  const reader = createLineReader(rl);
  const print = (text: string): void => {
    io.stderr(`${text}\n`);
  };
  let closed = false;
  rl.on('close', () => {
    closed = true;
  });
  const prompt = (question: string): void => {
    if (!terminal) {
      io.stderr(question);
      return;
    }
    // After ctrl-D the interface is closed and refuses prompts; the next read returns null anyway.
    if (closed) return;
    rl.setPrompt(question);
    rl.prompt();
  };

  let active: AbortController | undefined;
  let printer: EventPrinter | undefined;
  let interruptedOnce = false;
  rl.on('SIGINT', () => {
    if (active !== undefined) {
      printer?.line(style.yellow('^C cancelling the run…'));
      active.abort();
      return;
    }
    if (rl.line !== '') {
      rl.write(null, { ctrl: true, name: 'e' });
      rl.write(null, { ctrl: true, name: 'u' });
      interruptedOnce = false;
      io.stderr('^C\n');
      rl.prompt();
      return;
    }
    if (interruptedOnce) {
      io.stderr('\n');
      rl.close();
      return;
    }
    interruptedOnce = true;
    io.stderr(`\n${style.dim('(ctrl-C again or ctrl-D to exit)')}\n`);
    rl.prompt();
  });
  // ctrl-D while a run is active: stop it too, then leave.
  rl.on('close', () => active?.abort());

  const onReload = (result: ReloadResult): void => {
    const notice = reloadNotice(result, style);
    if (printer !== undefined) {
      printer.line(notice);
    } else if (terminal && !closed) {
      io.stderr(`\r\u001b[K${notice}\n`);
      rl.prompt(true);
    } else {
      print(notice);
    }
  };
  try {
    // Installs from another terminal, config edits and dev plugin changes reach this chat.
    await runtime.watch(onReload);
  } catch (err) {
    print(
      style.yellow(
        `warning: plugin changes will not reach this chat (/reload still works): ${(err as Error).message}`,
      ),
    );
  }

  const runGoal = async (goal: string): Promise<void> => {
    const controller = new AbortController();
    const current = createEventPrinter(io, style, true);
    active = controller;
    printer = current;
    const ask: Ask = (question, signal) => {
      current.finish();
      prompt(question);
      return reader.next(signal);
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
      active = undefined;
      printer = undefined;
    }
    current.finish();
    state.lastRunId = result.runId;
    state.sessionId = result.sessionId;
    const answer = result.message.trim();
    if (result.status === 'succeeded' && answer !== '' && !current.streamed().includes(answer))
      print(result.message);
    const ticket =
      result.status === 'awaiting_approval' && result.approvalId !== undefined
        ? runtime.store.getApproval(result.approvalId)
        : undefined;
    for (const line of statusLines(result, style, ticket)) print(line);
    print(usageText(result, style));
  };

  print(style.bold('═══ Roku chat ═══'));
  print(`Session: ${state.sessionId}`);
  print(style.dim('Type a message; /help for commands, /quit to exit.'));
  try {
    for (;;) {
      prompt(CHAT_PROMPT);
      const line = await reader.next();
      if (line === null) {
        if (terminal) io.stderr('\n');
        break;
      }
      interruptedOnce = false;
      const text = line.trim();
      if (text === '') continue;
      history.add(text);
      if (text.startsWith('/')) {
        if ((await runSlash({ runtime, state, style, print }, text)) === 'quit') break;
        continue;
      }
      await runGoal(text);
    }
  } finally {
    rl.close();
  }
  return AGENT_EXIT.ok;
}
