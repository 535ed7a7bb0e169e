import { closeSync, fstatSync, mkdirSync, openSync, writeSync } from 'node:fs';

/** Trace files kept open for appending (the runs in progress); the least recently written is closed first. */
const MAX_OPEN_TRACES = 32;

interface OpenTrace {
  readonly fd: number;
  size: number;
}

export interface TraceAppender {
  /**
   * Appends the lines that fit under the cap in one write; returns how many were written. With
   * `alreadyDropped` > 0 nothing is written: a trace is always a prefix of its run. Never throws.
   */
  readonly writeLines: (file: string, lines: readonly string[], alreadyDropped: number) => number;
  /** Closes a trace file (its run ended, or the file is about to be removed). */
  readonly close: (file: string) => void;
  readonly closeAll: () => void;
}

/** Appends trace lines to `<traceDir>/<runId>.jsonl` files, each capped at `maxBytes`. */
export function createTraceAppender(traceDir: string, maxBytes: number): TraceAppender {
  // Trace files of the runs in progress, open for appending with their size: one write per batch, no open,
  // stat or close on the hot path. A run is driven by one process at a time; a resumed run starts from the
  // file's real size. A file is opened by its first write (the run's first step boundary, after its first
  // model call): opening it as the run starts put a thread-pool hop and its callback between the run's start
  // and its first event, where a busy machine made it cost up to milliseconds.
  const open = new Map<string, OpenTrace>();
  let dirReady = false;

  const ensureDir = (): void => {
    if (!dirReady) {
      mkdirSync(traceDir, { recursive: true });
      dirReady = true;
    }
  };

  const adopt = (file: string, trace: OpenTrace): void => {
    if (open.size >= MAX_OPEN_TRACES) {
      const oldest = open.keys().next();
      if (oldest.done !== true) closeTrace(oldest.value);
    }
    open.set(file, trace);
  };

  const closeTrace = (file: string): void => {
    const trace = open.get(file);
    if (trace === undefined) return;
    open.delete(file);
    try {
      closeSync(trace.fd);
    } catch {
      // already closed or never usable: nothing to keep
    }
  };

  const openTrace = (file: string): OpenTrace => {
    let trace = open.get(file);
    if (trace !== undefined) {
      // most recently used last, so the first is the one to close
      open.delete(file);
      open.set(file, trace);
      return trace;
    }
    ensureDir();
    const fd = openSync(file, 'a');
    trace = { fd, size: fstatSync(fd).size };
    adopt(file, trace);
    return trace;
  };

  /** Appends the lines that fit under maxBytes in one write; returns how many were written. */
  const writeLines = (file: string, lines: readonly string[], alreadyDropped: number): number => {
    if (alreadyDropped > 0 || lines.length === 0) return 0;
    let trace: OpenTrace;
    try {
      trace = openTrace(file);
    } catch {
      // a trace is diagnostics: an unwritable trace folder must not fail the run; the loss shows as dropped
      return 0;
    }
    let size = trace.size;
    let fit = 0;
    // a trace is a prefix of the run: the first line that does not fit ends it
    for (const line of lines) {
      const bytes = Buffer.byteLength(line, 'utf8');
      if (size + bytes > maxBytes) break;
      size += bytes;
      fit += 1;
    }
    if (fit === 0) return 0;
    const bytes = Buffer.from(fit === lines.length ? lines.join('') : lines.slice(0, fit).join(''), 'utf8');
    try {
      for (let done = 0; done < bytes.length;) done += writeSync(trace.fd, bytes, done);
      trace.size = size;
      return fit;
    } catch {
      // a failed (or short) write leaves the file unknown: reopen and measure it next time
      closeTrace(file);
      return 0;
    }
  };

  return {
    writeLines,
    close: closeTrace,
    closeAll: () => {
      for (const file of [...open.keys()]) closeTrace(file);
    },
  };
}
