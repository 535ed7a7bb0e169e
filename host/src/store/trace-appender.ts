import {
  close as closeAsync,
  closeSync,
  mkdirSync,
  open as openAsync,
  openSync,
  statSync,
  unlink,
  writeSync,
} from 'node:fs';

/**
 * Trace files kept open for appending (the runs in progress); the least recently written is closed first. Each
 * run in progress writes to its own file, so fewer than the runs at once means closing one file and opening
 * (and stat-ing, on the host's thread) another on a run's every write: with 32 and 100 sessions at once, about
 * two opens per run.
 */
const MAX_OPEN_TRACES = 512;

interface OpenTrace {
  /** Undefined while the file is being opened (created) on the thread pool. */
  fd: number | undefined;
  /** Bytes in the file once what is queued is written: what the cap is checked against. */
  size: number;
  /** Lines waiting for the file to open, in order. */
  queued: Buffer[];
  /** The file could not be opened: from then on its lines are dropped (and counted), so it stays a prefix. */
  broken: boolean;
  /** Closed to be removed: a file the background open creates late is removed too. */
  removed: boolean;
}

export interface TraceAppender {
  /**
   * Appends the lines that fit under the cap (at once, or as soon as the file is open); returns how many
   * will be written. With `alreadyDropped` > 0 nothing is written: a trace is always a prefix of its run.
   * Never throws.
   */
  readonly writeLines: (file: string, lines: readonly string[], alreadyDropped: number) => number;
  /** Writes what waits for a file still opening, at once (for readers of the files). */
  readonly drain: () => void;
  /** Closes a trace file (its run ended), or drops it when `removing` (the file is about to be removed). */
  readonly close: (file: string, removing?: boolean) => void;
  readonly closeAll: () => void;
}

function sizeOf(file: string): number {
  try {
    return statSync(file, { throwIfNoEntry: false })?.size ?? 0;
  } catch {
    return 0;
  }
}

/** A file that could not be opened: its queued lines are lost, and the next ones are counted as dropped. */
function markBroken(trace: OpenTrace): void {
  trace.broken = true;
  trace.queued = [];
}

function writeAll(fd: number, bytes: Buffer): void {
  for (let done = 0; done < bytes.length;) done += writeSync(fd, bytes, done);
}

/** How many lines fit in a file of `size` bytes capped at `maxBytes`, and its size with them. */
function linesThatFit(
  lines: readonly string[],
  size: number,
  maxBytes: number,
): { fit: number; size: number } {
  let fit = 0;
  let total = size;
  // a trace is a prefix of the run: the first line that does not fit ends it
  for (const line of lines) {
    const bytes = Buffer.byteLength(line, 'utf8');
    if (total + bytes > maxBytes) break;
    total += bytes;
    fit += 1;
  }
  return { fit, size: total };
}

/**
 * Appends trace lines to `<traceDir>/<runId>.jsonl` files, each capped at `maxBytes`.
 *
 * Trace files of the runs in progress, open for appending with their size: one write per batch, no open,
 * stat or close on the hot path. A run is driven by one process at a time; a resumed run starts from the
 * file's real size. A run's file is created on the thread pool at its first write (its lines wait in memory
 * meanwhile): creating a file costs from tens of microseconds to milliseconds on a busy disk, and each run
 * has a file of its own. Readers (listEvents, traceInfo, close) drain first, so they see every line. A run's
 * second group opens the file at once if it is still opening: the pool can be busy for longer than a turn, and
 * lines still in memory are lost to a kill -9 while the events they mirror are committed (a kill in the middle
 * of a turn once left an empty trace file beside a dozen committed events).
 */
export function createTraceAppender(traceDir: string, maxBytes: number): TraceAppender {
  const open = new Map<string, OpenTrace>();
  let dirReady = false;

  /** Writes the queued lines to an open file; a failed write leaves the file unknown: it is closed. */
  const flushQueued = (file: string, trace: OpenTrace, fd: number): void => {
    const queued = trace.queued;
    trace.queued = [];
    try {
      for (const bytes of queued) writeAll(fd, bytes);
    } catch {
      closeTrace(file);
    }
  };

  const onOpened = (file: string, trace: OpenTrace, err: Error | null, fd: number): void => {
    if (err !== null) {
      markBroken(trace);
      return;
    }
    // closed, drained or removed meanwhile: this descriptor is not needed
    if (trace.fd !== undefined || open.get(file) !== trace) {
      closeAsync(fd, () => undefined);
      if (trace.removed) unlink(file, () => undefined);
      return;
    }
    trace.fd = fd;
    flushQueued(file, trace, fd);
  };

  /** Opens a file still opening in the background at once and writes its queued lines; false if it cannot. */
  const drainOne = (file: string, trace: OpenTrace): boolean => {
    if (trace.fd !== undefined || trace.broken || trace.removed) return trace.fd !== undefined;
    try {
      trace.fd = openSync(file, 'a');
    } catch {
      markBroken(trace);
      return false;
    }
    flushQueued(file, trace, trace.fd);
    return true;
  };

  const closeTrace = (file: string, removing = false): void => {
    const trace = open.get(file);
    if (trace === undefined) return;
    if (removing) {
      trace.removed = true;
      trace.queued = [];
    } else {
      drainOne(file, trace);
    }
    open.delete(file);
    if (trace.fd === undefined) return;
    try {
      closeSync(trace.fd);
    } catch {
      // already closed or never usable: nothing to keep
    }
  };

  const traceOf = (file: string): OpenTrace => {
    const trace = open.get(file);
    if (trace !== undefined) {
      // most recently used last, so the first is the one to close
      open.delete(file);
      open.set(file, trace);
      return trace;
    }
    if (!dirReady) {
      mkdirSync(traceDir, { recursive: true });
      dirReady = true;
    }
    const created: OpenTrace = {
      fd: undefined,
      size: sizeOf(file),
      queued: [],
      broken: false,
      removed: false,
    };
    openAsync(file, 'a', (err, fd) => {
      onOpened(file, created, err, fd);
    });
    // the least recently written file makes room
    const oldest = open.size >= MAX_OPEN_TRACES ? open.keys().next() : undefined;
    if (oldest?.done === false) closeTrace(oldest.value);
    open.set(file, created);
    return created;
  };

  const writeLines = (file: string, lines: readonly string[], alreadyDropped: number): number => {
    if (alreadyDropped > 0 || lines.length === 0) return 0;
    let trace: OpenTrace;
    try {
      trace = traceOf(file);
    } catch {
      // a trace is diagnostics: an unwritable trace folder must not fail the run; the loss shows as dropped
      return 0;
    }
    if (trace.broken) return 0;
    const { fit, size } = linesThatFit(lines, trace.size, maxBytes);
    if (fit === 0) return 0;
    const bytes = Buffer.from(fit === lines.length ? lines.join('') : lines.slice(0, fit).join(''), 'utf8');
    // only a run's first group waits for the background open (see above)
    if (trace.fd === undefined && trace.queued.length > 0 && !drainOne(file, trace)) return 0;
    if (trace.fd === undefined) {
      trace.queued.push(bytes);
      trace.size = size;
      return fit;
    }
    try {
      writeAll(trace.fd, bytes);
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
    drain: () => {
      for (const [file, trace] of open) drainOne(file, trace);
    },
    close: closeTrace,
    closeAll: () => {
      for (const file of [...open.keys()]) closeTrace(file);
    },
  };
}
