import { createInterface } from 'node:readline';
import type { Interface } from 'node:readline';
import { Writable } from 'node:stream';
import type { AgentIo } from '../context.js';
import { createLineReader } from '../lines.js';
import type { LineReader } from '../lines.js';
import type { EventPrinter, Style } from '../render.js';
import { HISTORY_LIMIT } from './history.js';
import type { ChatHistory } from './history.js';

/** The run in progress, if any: what ctrl-C cancels and where notices go meanwhile. */
export interface ActiveTurn {
  controller: AbortController | undefined;
  printer: EventPrinter | undefined;
}

/** The chat's terminal: readline with history, prompts, and ctrl-C / ctrl-D handling. */
export interface ChatTerminal {
  readonly rl: Interface;
  readonly reader: LineReader;
  /** True when stdin is a terminal (prompts, echo and history); false for plain line input. */
  readonly terminal: boolean;
  /** True after ctrl-D (or close): prompts are no longer shown. */
  closed(): boolean;
  prompt(question: string): void;
  /** A line arrived: the next ctrl-C on an empty line asks again before it exits. */
  lineRead(): void;
}

function forwardTo(write: (text: string) => void): Writable {
  return new Writable({
    write(chunk: Buffer | string, _encoding, callback) {
      write(chunk.toString());
      callback();
    },
  });
}

/**
 * ctrl-C cancels the active run; on a typed line it clears the line; on an empty line it asks once, then
 * exits. ctrl-D while a run is active stops it too, then leaves.
 */
function handleInterrupts(io: AgentIo, rl: Interface, style: Style, turn: ActiveTurn): { reset(): void } {
  let interruptedOnce = false;
  rl.on('SIGINT', () => {
    if (turn.controller !== undefined) {
      turn.printer?.line(style.yellow('^C cancelling the run…'));
      turn.controller.abort();
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
  rl.on('close', () => turn.controller?.abort());
  return {
    reset() {
      interruptedOnce = false;
    },
  };
}

export function openChatTerminal(
  io: AgentIo,
  history: ChatHistory,
  style: Style,
  turn: ActiveTurn,
): ChatTerminal {
  const terminal = io.terminal ?? (io.stdin === undefined && process.stdin.isTTY);
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
  let closed = false;
  rl.on('close', () => {
    closed = true;
  });
  const interrupts = handleInterrupts(io, rl, style, turn);
  return {
    rl,
    reader,
    terminal,
    closed: () => closed,
    prompt(question) {
      if (!terminal) {
        io.stderr(question);
        return;
      }
      // After ctrl-D the interface is closed and refuses prompts; the next read returns null anyway.
      if (closed) return;
      rl.setPrompt(question);
      rl.prompt();
    },
    lineRead: () => {
      interrupts.reset();
    },
  };
}
