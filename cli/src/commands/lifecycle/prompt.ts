import { createInterface } from 'node:readline/promises';
import type { CliIo } from '../../io.js';

/** What lifecycle commands need beyond {@link CliIo}: a terminal to ask on. Tests pass their own. */
export interface LifecycleIo extends CliIo {
  /** Where answers come from; process.stdin by default. */
  readonly stdin?: NodeJS.ReadableStream;
  /** Whether a person can answer; process.stdin.isTTY by default. */
  readonly isTTY?: boolean;
  /** Whether progress lines go to stderr; process.stderr.isTTY by default. */
  readonly stderrIsTTY?: boolean;
}

export function interactive(io: LifecycleIo): boolean {
  return io.isTTY ?? process.stdin.isTTY;
}

export function showProgress(io: LifecycleIo): boolean {
  return io.stderrIsTTY ?? process.stderr.isTTY;
}

/** Asks `question` on stderr and reads one line; only `y` or `yes` (any case) counts as consent. */
export async function confirm(io: LifecycleIo, question: string): Promise<boolean> {
  io.stderr(question);
  const rl = createInterface({ input: io.stdin ?? process.stdin, terminal: false });
  try {
    const answer = await new Promise<string>((resolve) => {
      rl.once('line', resolve);
      rl.once('close', () => {
        resolve('');
      });
    });
    return /^y(es)?$/i.test(answer.trim());
  } finally {
    rl.close();
  }
}
