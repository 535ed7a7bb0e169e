import { RokuError } from '@roku/schemas';
import type { AgentRuntime, ReloadResult } from '@roku/host';
import { cliConfig } from '../../../config.js';
import { interactive } from '../../lifecycle/prompt.js';
import type { AgentIo } from '../context.js';
import { AGENT_EXIT, withRuntime } from '../context.js';
import type { Style } from '../render.js';
import { styleFor } from '../render.js';
import { openHistory } from './history.js';
import { runGoal } from './run-goal.js';
import { runSlash } from './slash.js';
import type { ChatState } from './slash.js';
import { openChatTerminal } from './terminal.js';
import type { ActiveTurn } from './terminal.js';

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
  return withRuntime(io, configFile, 'chat', ({ runtime, configAutoApprove, home }) => {
    // loaded (and cached) by withRuntime already
    const pin = cliConfig(io, configFile).config.agent?.provider ?? '';
    return repl(io, runtime, home, {
      sessionId: opts.sessionId ?? 'chat-default',
      model: opts.model,
      provider: pin === '' ? undefined : pin,
      ...(pin === '' ? {} : { providerPin: pin }),
      planMode: false,
      autoApprove: opts.yesAlways || configAutoApprove,
      lastRunId: undefined,
    });
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
  const history = openHistory(home);
  const turn: ActiveTurn = { controller: undefined, printer: undefined };
  const term = openChatTerminal(io, history, style, turn);
  const print = (text: string): void => {
    io.stderr(`${text}\n`);
  };

  const onReload = (result: ReloadResult): void => {
    const notice = reloadNotice(result, style);
    if (turn.printer !== undefined) {
      turn.printer.line(notice);
    } else if (term.terminal && !term.closed()) {
      io.stderr(`\r\u001b[K${notice}\n`);
      term.rl.prompt(true);
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

  print(style.bold('═══ Roku chat ═══'));
  print(`Session: ${state.sessionId}`);
  print(style.dim('Type a message; /help for commands, /quit to exit.'));
  try {
    for (;;) {
      term.prompt(CHAT_PROMPT);
      const line = await term.reader.next();
      if (line === null) {
        if (term.terminal) io.stderr('\n');
        break;
      }
      term.lineRead();
      const text = line.trim();
      if (text === '') continue;
      history.add(text);
      if (text.startsWith('/')) {
        if ((await runSlash({ runtime, state, style, print }, text)) === 'quit') break;
        continue;
      }
      await runGoal({ io, runtime, state, style, term, turn, print, home }, text);
    }
  } finally {
    term.rl.close();
  }
  return AGENT_EXIT.ok;
}
