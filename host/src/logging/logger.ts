import { pino } from 'pino';
import type { Level, Logger, LevelWithSilent, StreamEntry } from 'pino';
import { createFileSink } from './file-sink.js';
import { escapeJsonLine } from './sanitize.js';
import { createTerminalSink } from './terminal-sink.js';

/**
 * Log paths redacted by default: credentials, secrets and what users and plugins exchange
 * (prompts, messages, tool payloads), which may carry personal data.
 */
export const DEFAULT_REDACT_PATHS: readonly string[] = [
  'authorization',
  '*.authorization',
  'headers.authorization',
  '*.headers.authorization',
  'headers["x-api-key"]',
  '*.headers["x-api-key"]',
  'apiKey',
  '*.apiKey',
  'secret',
  '*.secret',
  'secrets',
  '*.secrets',
  'password',
  '*.password',
  'token',
  '*.token',
  'prompt',
  '*.prompt',
  'messages',
  '*.messages',
  'toolInput',
  '*.toolInput',
  'toolOutput',
  '*.toolOutput',
];

export interface RootLoggerOptions {
  readonly level: LevelWithSilent;
  /** Extra paths to redact. */
  readonly redact?: readonly string[];
  /** A file to append JSON lines to, rotated at `fileMaxBytes` (see file-sink.ts). */
  readonly file?: string;
  readonly fileMaxBytes?: number;
  /** Rotated files kept beside the current one. */
  readonly fileKeep?: number;
  /**
   * Where JSON lines go besides the file. Default: standard error when there is neither a file nor a
   * terminal sink, else nowhere.
   */
  readonly json?: (line: string) => void;
  /** Least severe level `json` gets (default: `level`), e.g. warnings beside a pipe's JSON events. */
  readonly jsonLevel?: Level;
  /** Readable lines for people: warnings and errors, one per distinct problem (terminal-sink.ts). */
  readonly terminal?: (text: string) => void;
  /** Least severe level the terminal shows: `warn` (default) or `error` (e.g. for `--json` commands). */
  readonly terminalLevel?: 'warn' | 'error';
  /** Called once if the log file cannot be written (full disk, read-only folder); logging goes on without it. */
  readonly onFileError?: (err: NodeJS.ErrnoException, file: string) => void;
  /** Fields bound to every line (e.g. a process id of our own). */
  readonly base?: Record<string, unknown>;
}

/** A root logger with what its sinks have to say at the end of a command. */
export interface Logging {
  readonly logger: Logger;
  /**
   * Closing notes for the terminal: warnings not shown and where they are, a full disk met on the way, a log
   * file that could not be written. `diskFullReported`: the command's own error already says the disk is
   * full (or ROKU_HOME unusable), so that is not said twice.
   */
  notes(options?: { diskFullReported?: boolean }): string[];
  /** Closes the log file. */
  close(): void;
}

/** JSON lines on standard error, synchronously like the file: the process may exit right after a line. */
function stderrLines(): (line: string) => void {
  const destination = pino.destination({ fd: 2, sync: true });
  return (line) => {
    destination.write(line);
  };
}

/**
 * Creates the one root logger of a process with its sinks: JSON lines to a rotated file and/or another
 * writer, readable lines to a terminal. Every line is escaped on the way to every sink (sanitize.ts), so a
 * plugin's text cannot act on the terminal of whoever reads the log. Entry points call this and pass the
 * logger down.
 */
export function createLogging(options: RootLoggerOptions): Logging {
  const file = options.file === undefined || options.file === '' ? undefined : options.file;
  const fileSink =
    file === undefined
      ? undefined
      : createFileSink({
          file,
          ...(options.fileMaxBytes === undefined ? {} : { maxBytes: options.fileMaxBytes }),
          ...(options.fileKeep === undefined ? {} : { keep: options.fileKeep }),
          onError: (err) => options.onFileError?.(err, file),
        });
  const terminal =
    options.terminal === undefined ? undefined : createTerminalSink({ write: options.terminal });
  const json =
    options.json ??
    (fileSink === undefined && terminal === undefined && options.level !== 'silent'
      ? stderrLines()
      : undefined);

  const level = pino.levels.values[options.level] ?? Infinity;
  const terminalLevel = Math.max(level, pino.levels.values[options.terminalLevel ?? 'warn'] ?? 40);
  const streams: StreamEntry[] = [];
  const escaped = (write: (line: string) => void): { write: (line: string) => void } => ({
    write: (line) => {
      write(escapeJsonLine(line));
    },
  });
  if (options.level !== 'silent') {
    const all = options.level;
    if (fileSink !== undefined)
      streams.push({
        level: all,
        stream: escaped((l) => {
          fileSink.write(l);
        }),
      });
    if (json !== undefined) {
      const jsonLevel = Math.max(level, pino.levels.values[options.jsonLevel ?? options.level] ?? level);
      streams.push({ level: pino.levels.labels[jsonLevel] as Level, stream: escaped(json) });
    }
    if (terminal !== undefined) {
      streams.push({ level: pino.levels.labels[terminalLevel] as Level, stream: terminal });
    }
  }
  const logger = pino(
    {
      level: options.level,
      base: options.base ?? {},
      redact: { paths: [...DEFAULT_REDACT_PATHS, ...(options.redact ?? [])], censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    pino.multistream(streams),
  );
  return {
    logger,
    notes: ({ diskFullReported = false } = {}) => {
      const failure = fileSink?.failure;
      const unwritten =
        failure === undefined
          ? undefined
          : `the log file ${file ?? ''} could not be written (${failure.message})`;
      const kept =
        unwritten ?? (file === undefined ? 'rerun with --log-format json to see them' : `all are in ${file}`);
      const out = terminal?.notes({ kept, diskFullReported }) ?? [];
      const said = out.some((n) => n.includes(kept));
      if (unwritten !== undefined && !said && !diskFullReported) out.push(`roku: ${unwritten}`);
      return out;
    },
    close: () => fileSink?.close(),
  };
}

/** Creates the one root logger of a process (see {@link createLogging}); JSON lines to the file or stderr. */
export function createRootLogger(options: RootLoggerOptions): Logger {
  return createLogging(options).logger;
}

export type { Logger };
