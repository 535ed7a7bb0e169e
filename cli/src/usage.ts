import type { Command } from 'commander';
import { CommanderError } from 'commander';
import { RokuError } from '@roku/schemas';
import type { CliIo } from './io.js';

/** The command each commander failure happened in (set by the exit override of that command). */
const failedIn = new WeakMap<CommanderError, Command>();

/** `roku plugin install`: the names from the root down to `command`. */
export function commandPath(command: Command): string {
  const names: string[] = [];
  for (let at: Command | null = command; at !== null; at = at.parent) names.unshift(at.name());
  return names.join(' ');
}

/**
 * Makes every command of the tree report usage problems through `main` instead of printing them itself: no
 * `error: …` line and no whole help page on stderr. Help asked for (`--help`) still goes to stdout.
 * Commands inherit output settings only when they are created, so this runs once the tree is complete.
 */
export function routeUsageErrors(root: Command, io: CliIo): void {
  const visit = (command: Command): void => {
    command
      .exitOverride((err) => {
        // The innermost command's override runs first; keep the deepest one.
        if (!failedIn.has(err)) failedIn.set(err, command);
        throw err;
      })
      .configureOutput({ writeOut: io.stdout, writeErr: () => undefined, outputError: () => undefined });
    for (const sub of command.commands) visit(sub);
  };
  visit(root);
}

/** Commander's exits that are not failures: help or the version was printed on request. */
export function isShownOnRequest(err: CommanderError): boolean {
  if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version') return true;
  // `commander.help` with a non-zero exit code is a group command called without its subcommand.
  return err.code === 'commander.help' && err.exitCode === 0;
}

function commanderMessage(err: CommanderError, command: Command | undefined): string {
  const path = command === undefined ? 'roku' : commandPath(command);
  if (err.code === 'commander.help') {
    const subs = command?.commands.map((c) => c.name()).filter((n) => n !== 'help') ?? [];
    return `missing command for '${path}'${subs.length === 0 ? '' : ` (one of: ${subs.join(', ')})`}`;
  }
  const text = err.message
    .replace(/^error: /, '')
    .replace(/\s*\n\(Did you mean (.+)\?\)\s*$/s, (_m, names: string) => ` (did you mean ${names}?)`)
    .replace(/\s+/g, ' ')
    .trim();
  // Name the whole command (commander names only the last word, or nothing, as in `unknown option '--x'`).
  if (/ for '[^']*'/.test(text)) return text.replace(/ for '[^']*'/, ` for '${path}'`).replace(/\.$/, '');
  return text.replace(/^([^(]*?)( \(did you mean|$)/, `$1 for '${path}'$2`);
}

/** A commander failure as ROKU_CLI_USAGE, naming the command and its help. */
export function usageError(err: CommanderError): RokuError {
  const command = failedIn.get(err);
  const path = command === undefined ? 'roku' : commandPath(command);
  return new RokuError('ROKU_CLI_USAGE', commanderMessage(err, command), {
    details: { reason: err.code, help: `${path} --help` },
  });
}

/**
 * The documented form of a usage error on stderr: one line with the code, then where to read more.
 *
 * @example
 * roku: unknown option '--frob' for 'roku chat' [ROKU_CLI_USAGE]
 * see: roku chat --help
 */
export function printUsageError(io: CliIo, err: { message: string; code: string }, helpFor: string): void {
  io.stderr(`roku: ${err.message} [${err.code}]\nsee: ${helpFor} --help\n`);
}
