import { isAbsolute, join } from 'node:path';
import { createLogging } from '@roku/host';
import type { Logger, Logging, RootLoggerOptions } from '@roku/host';
import { cliConfig } from './config.js';
import type { CliIo } from './io.js';

/** `text`: readable lines on stderr and JSON records in the log file; `json`: JSON records on stderr. */
export type LogFormat = 'text' | 'json';

export const LOG_FORMATS: readonly LogFormat[] = ['text', 'json'];

export interface LogChoice {
  readonly format: LogFormat;
  /** The command prints JSON (`--json`): the terminal gets errors only, warnings stay in the log file. */
  readonly quiet: boolean;
  /**
   * `roku chat --pipe`: stderr is read by a program (JSON events), so log lines there are JSON records too,
   * warnings and errors (errors only with `--json`), besides the log file.
   */
  readonly pipe?: boolean;
}

// One invocation, one root logger: the commands of one `main` call share it, so the terminal sink counts
// repeats across all of them, and main prints its closing notes once.
const choices = new WeakMap<CliIo, LogChoice>();
const created = new WeakMap<CliIo, Logging>();

/** Set by `main` before the action runs (from --log-format / ROKU_LOG_FORMAT and the command's --json). */
export function chooseLogging(io: CliIo, choice: LogChoice): void {
  choices.set(io, choice);
}

/** `--log-format` if given, else ROKU_LOG_FORMAT, else text. */
export function logFormatOf(flag: string | undefined, env: CliIo['env']): LogFormat {
  const value = flag ?? env.ROKU_LOG_FORMAT ?? 'text';
  return value === 'json' ? 'json' : 'text';
}

function build(io: CliIo, configFile: string | undefined): Logging {
  const choice = choices.get(io) ?? { format: logFormatOf(undefined, io.env), quiet: false };
  let settings: Pick<RootLoggerOptions, 'level' | 'redact'>;
  let file: string | undefined;
  let rotation: { fileMaxBytes?: number; fileKeep?: number } = {};
  try {
    const { config, home } = cliConfig(io, configFile);
    settings = { level: config.log?.level ?? 'warn', redact: config.log?.redact ?? [] };
    const path = config.log?.file ?? '';
    file = path === '' ? undefined : isAbsolute(path) ? path : join(home, path);
    rotation = {
      ...(config.log?.maxFileBytes === undefined ? {} : { fileMaxBytes: config.log.maxFileBytes }),
      ...(config.log?.maxFiles === undefined ? {} : { fileKeep: config.log.maxFiles }),
    };
  } catch {
    // A broken config must not stop `roku doctor` from reporting it: warnings still reach the terminal.
    settings = { level: 'warn', redact: [] };
    file = undefined;
  }
  if (choice.format === 'json') {
    return createLogging({ ...settings, json: io.stderr });
  }
  if (choice.pipe === true) {
    return createLogging({
      ...settings,
      ...rotation,
      ...(file === undefined ? {} : { file }),
      json: io.stderr,
      jsonLevel: choice.quiet ? 'error' : 'warn',
    });
  }
  return createLogging({
    ...settings,
    ...rotation,
    ...(file === undefined ? {} : { file }),
    terminal: io.stderr,
    terminalLevel: choice.quiet ? 'error' : 'warn',
  });
}

/**
 * The process's root logger, configured from the host config when it loads: JSON records to
 * `log.file` (default `$ROKU_HOME/logs/roku.log`, rotated), and one readable line per distinct warning or
 * error on stderr; with `--log-format json`, the JSON records on stderr instead.
 */
export function cliLogger(io: CliIo, configFile: string | undefined): Logger {
  let logging = created.get(io);
  if (logging === undefined) {
    logging = build(io, configFile);
    created.set(io, logging);
  }
  return logging.logger;
}

/**
 * Ends logging for this invocation: closes the file and prints the closing notes (warnings not shown and where
 * they are; a full disk or an unwritable log file, unless the command's own error said so already).
 */
export function finishLogging(io: CliIo, options: { homeAlreadyBlamed: boolean }): void {
  const logging = created.get(io);
  if (logging === undefined) return;
  created.delete(io);
  logging.close();
  for (const note of logging.notes({ diskFullReported: options.homeAlreadyBlamed })) io.stderr(`${note}\n`);
}
