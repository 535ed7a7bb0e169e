import { escapeControls } from './sanitize.js';

/** Distinct lines shown per window; more are counted and mentioned at the end. */
export const TERMINAL_LINES_PER_WINDOW = 10;
/** The window of {@link TERMINAL_LINES_PER_WINDOW}. */
export const TERMINAL_WINDOW_MS = 60_000;
/** Longest readable line; the full record stays in the JSON log. */
const MAX_LINE_CHARS = 400;

export interface TerminalSinkOptions {
  /** Writes text for people (standard error). */
  readonly write: (text: string) => void;
  readonly now?: () => number;
}

export interface TerminalSink {
  /** Takes one pino JSON line. */
  write(line: string): void;
  /**
   * Notes for the end of the command: how many lines were not shown and where they are (`kept`: where the
   * JSON records are, or why they are not), and the full disk behind some of them unless the command's own
   * error said so already (`diskFullReported`).
   */
  notes(options: { kept: string; diskFullReported: boolean }): string[];
}

interface LogRecord {
  level?: unknown;
  msg?: unknown;
  pluginId?: unknown;
  pluginKey?: unknown;
  source?: unknown;
  problem?: unknown;
  reason?: unknown;
  err?: { message?: unknown; code?: unknown; cause?: unknown };
}

const DISK_FULL = /\b(ENOSPC|EDQUOT|SQLITE_FULL)\b|no space left|disk is full/i;

/** A record about a full disk: one such problem makes every later write fail, so it is said once. */
function aboutFullDisk(record: LogRecord): boolean {
  const err = record.err;
  if (err === undefined) return false;
  return DISK_FULL.test(`${String(err.code)} ${String(err.message)} ${JSON.stringify(err.cause ?? null)}`);
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** `roku: warning: plugin left out of the snapshot (plugin @x/y): settings are wrong [ROKU_CONFIG_INVALID]`. */
export function readableLine(record: LogRecord): string {
  const level = typeof record.level === 'number' && record.level >= 50 ? 'error' : 'warning';
  const plugin = text(record.pluginId) ?? text(record.pluginKey);
  const fromPlugin = record.source === 'plugin';
  const msg = text(record.msg) ?? 'log record without a message';
  const head = fromPlugin
    ? `${level} from plugin ${plugin ?? '?'}: ${msg}`
    : `${level}: ${msg}${plugin === undefined ? '' : ` (plugin ${plugin})`}`;
  // The error, else a problem or reason: a sentence, or a wire error `{ code, message }`.
  const wire = [record.err, record.reason, record.problem].find(
    (v): v is { message?: unknown; code?: unknown } => typeof v === 'object' && v !== null,
  );
  const code = text(wire?.code);
  const detail = text(wire?.message) ?? text(record.problem) ?? text(record.reason);
  let line = `${head}${detail === undefined ? '' : `: ${detail}`}${code === undefined || detail?.includes(code) === true ? '' : ` [${code}]`}`;
  // One line: stack traces and multi-line messages stay in the JSON log.
  line = escapeControls(line.replace(/\s*\n\s*/g, ' '));
  return `roku: ${line.length > MAX_LINE_CHARS ? `${line.slice(0, MAX_LINE_CHARS - 1)}…` : line}`;
}

/**
 * Turns warnings and errors from the host and plugins into lines for people: one line per distinct problem
 * (repeats are counted, not shown), at most {@link TERMINAL_LINES_PER_WINDOW} new lines a minute, no stack
 * traces, control characters escaped. The JSON records themselves go to the log file.
 */
export function createTerminalSink(options: TerminalSinkOptions): TerminalSink {
  const now = options.now ?? Date.now;
  const seen = new Set<string>();
  let repeats = 0;
  let overLimit = 0;
  let diskFull: { count: number; first: string } | undefined;
  let windowStart = now();
  let shownInWindow = 0;
  return {
    write(line) {
      let record: LogRecord;
      try {
        record = JSON.parse(line) as LogRecord;
      } catch {
        record = { msg: line };
      }
      const readable = readableLine(record);
      if (aboutFullDisk(record)) {
        // Said once at the end (or by the command's own error): a full disk fails every write after it.
        diskFull = { count: (diskFull?.count ?? 0) + 1, first: diskFull?.first ?? readable };
        return;
      }
      if (seen.has(readable)) {
        repeats += 1;
        return;
      }
      const t = now();
      if (t - windowStart >= TERMINAL_WINDOW_MS) {
        windowStart = t;
        shownInWindow = 0;
      }
      if (shownInWindow >= TERMINAL_LINES_PER_WINDOW) {
        overLimit += 1;
        return;
      }
      seen.add(readable);
      shownInWindow += 1;
      options.write(`${readable}\n`);
    },
    notes({ kept, diskFullReported }) {
      const out: string[] = [];
      if (diskFull !== undefined && !diskFullReported) {
        out.push(
          `${diskFull.first} (${diskFull.count} time${diskFull.count === 1 ? '' : 's'}); free some space on that disk`,
        );
      }
      const hidden = repeats + overLimit;
      if (hidden === 0) return out;
      const parts = [
        ...(repeats === 0 ? [] : [`${repeats} repeated`]),
        ...(overLimit === 0 ? [] : [`${overLimit} over the limit of ${TERMINAL_LINES_PER_WINDOW} a minute`]),
      ];
      out.push(
        `roku: ${hidden} more warning${hidden === 1 ? '' : 's'} not shown (${parts.join(', ')}); ${kept}`,
      );
      return out;
    },
  };
}
