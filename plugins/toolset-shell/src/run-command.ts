import { defineTool, RokuError } from '@roku/plugin-api';
import type { PluginContext, ProcessRunResult } from '@roku/plugin-api';
import { parseCommandLine } from './command-line.js';

export const DEFAULT_TIMEOUT_MS = 30_000;
export const MAX_TIMEOUT_MS = 600_000;
/** stdout and stderr together (spec §3.3 command max_output_bytes). */
export const MAX_OUTPUT_BYTES = 65_536;

export interface RunCommandInput {
  readonly command: string;
  readonly cwd?: string;
  readonly timeoutMs?: number;
}

export interface RunCommandOutput extends ProcessRunResult {
  readonly command: string;
  /** How the command ran: one program (exec) or a /bin/sh command line (shell). */
  readonly mode: 'exec' | 'shell';
  /** Present when the host stopped the process or cut its output: what happened, for the model. */
  readonly note?: string;
}

function noteFor(result: ProcessRunResult, timeoutMs: number): string | undefined {
  if (result.stopped === 'timeout')
    return `stopped after ${timeoutMs} ms (timeout); it and everything it started were killed`;
  if (result.stopped === 'output')
    return `stopped: its output passed ${MAX_OUTPUT_BYTES} bytes; what fit is shown. Narrow the command (head, grep)`;
  if (result.stopped === 'aborted') return 'stopped: the run was cancelled';
  return undefined;
}

/**
 * run_command: runs a command line in the workspace through the host's process capability. A plain command
 * (words and quotes) runs its program directly with no shell; anything a shell would interpret goes to /bin/sh,
 * which the host refuses unless the user granted it.
 *
 * @throws ROKU_SHELL_EMPTY_COMMAND, or the host's ROKU_CAPABILITY_DENIED / ROKU_CAPABILITY_FAILED
 */
export const runCommand = defineTool({
  name: 'run_command',
  handler: async (input: RunCommandInput, ctx: PluginContext): Promise<RunCommandOutput> => {
    if (input.command.trim() === '') {
      throw new RokuError('ROKU_SHELL_EMPTY_COMMAND', 'run_command: the command is empty');
    }
    const timeoutMs = Math.min(
      MAX_TIMEOUT_MS,
      Math.max(1, Math.floor(input.timeoutMs ?? DEFAULT_TIMEOUT_MS)),
    );
    const parsed = parseCommandLine(input.command.trim());
    const common = { cwd: input.cwd ?? '', timeoutMs, maxOutputBytes: MAX_OUTPUT_BYTES };
    let result: ProcessRunResult;
    try {
      result = await ctx.process.run(
        'argv' in parsed ? { ...common, argv: parsed.argv } : { ...common, shell: parsed.shell },
      );
    } catch (err) {
      const code = (err as { code?: unknown }).code;
      if (
        'shell' in parsed &&
        code === 'ROKU_CAPABILITY_DENIED' &&
        /not granted/.test((err as Error).message)
      ) {
        throw new RokuError(
          'ROKU_SHELL_NOT_GRANTED',
          `run_command: the command uses ${parsed.reason}, which needs a shell, and shell command lines are not granted; run one program with its arguments (no pipes, ;, &&, redirections, globs or $), or use the file tools (grep, glob, read_file)`,
        );
      }
      throw err;
    }
    const note = noteFor(result, timeoutMs);
    // What happened comes before the output: the host cuts long results at the end (maxOutputChars).
    return {
      command: input.command,
      mode: 'argv' in parsed ? 'exec' : 'shell',
      exitCode: result.exitCode,
      signal: result.signal,
      stopped: result.stopped,
      truncated: result.truncated,
      ...(note === undefined ? {} : { note }),
      durationMs: result.durationMs,
      confinement: result.confinement,
      stdout: result.stdout,
      stderr: result.stderr,
    };
  },
});
