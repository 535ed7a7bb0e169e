import { pino } from 'pino';
import type { Logger, LevelWithSilent } from 'pino';

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
  /** A file to append to; standard error when absent. */
  readonly file?: string;
  /** Fields bound to every line (e.g. a process id of our own). */
  readonly base?: Record<string, unknown>;
}

/** Creates the one root logger of a process. Entry points call this and pass the logger down. */
export function createRootLogger(options: RootLoggerOptions): Logger {
  const destination =
    options.file === undefined || options.file === ''
      ? pino.destination({ fd: 2, sync: true })
      : pino.destination({ dest: options.file, mkdir: true, sync: true });
  return pino(
    {
      level: options.level,
      base: options.base ?? {},
      redact: { paths: [...DEFAULT_REDACT_PATHS, ...(options.redact ?? [])], censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    destination,
  );
}

export type { Logger };
