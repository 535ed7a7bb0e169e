import { appendFileSync, mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { LoopEvent } from '../events/loop-events.js';
import type { StoreContext } from './context.js';

/** Events kept in the events table per run; later ones are counted (`TraceInfo.eventsDropped`), not stored. */
export const MAX_EVENTS_PER_RUN = 20_000;
/** How long an appended event may wait before it is written (unless a step boundary writes it earlier). */
export const EVENT_FLUSH_DELAY_MS = 20;
/** Pending events that make the writer write at once rather than wait for the timer. */
export const EVENT_FLUSH_BATCH = 512;
/** Pending events kept across failed writes (a locked or full database); older ones are lost beyond it. */
const MAX_RETAINED = 20_000;

export const TRACE_SUFFIX = '.jsonl';

interface Pending {
  readonly runId: string;
  readonly event: LoopEvent;
  readonly at: number;
}

/**
 * Buffers loop events and writes them in groups: one transaction and one trace-file append per run and
 * batch, instead of one of each per event (a streamed answer is hundreds of text deltas). A batch is written
 * EVENT_FLUSH_DELAY_MS after its first event, at once when EVENT_FLUSH_BATCH are pending, and before anything
 * that reads events or commits a step (checkpoints, run ends, approvals: see store.ts). Events are diagnostics:
 * a process killed between two batches loses at most the last EVENT_FLUSH_DELAY_MS of them, never a message.
 */
export interface EventWriter {
  enqueue(runId: string, event: LoopEvent): void;
  /** Writes what is pending, in the caller's transaction when there is one. Throws SQLite errors. */
  writePending(): void;
  /** Run ids with pending events (tests, diagnostics). */
  pendingCount(): number;
  /** Forgets the cached size of a run's trace file (it was removed). */
  forgetTrace(file: string): void;
  forgetAllTraces(): void;
  /** Stops the timer; pending events stay pending (call writePending first to keep them). */
  dispose(): void;
}

function fileSize(file: string): number | undefined {
  try {
    return statSync(file).size;
  } catch {
    return undefined;
  }
}

export function traceFileOf(traceDir: string, runId: string): string {
  return join(traceDir, `${runId}${TRACE_SUFFIX}`);
}

export function createEventWriter(ctx: StoreContext, onBackgroundError: (err: unknown) => void): EventWriter {
  const { db, now, traceDir, traceMaxBytes } = ctx;
  const runExists = db.prepare<[string], { id: string }>('SELECT id FROM runs WHERE id = ?');
  const selectTrace = db.prepare<[string], { events: number; trace_dropped: number }>(
    'SELECT events, trace_dropped FROM traces WHERE run_id = ?',
  );
  const upsertTrace = db.prepare<[string, number, number]>(
    `INSERT INTO traces (run_id, events, trace_dropped) VALUES (?, ?, ?)
     ON CONFLICT (run_id) DO UPDATE SET events = excluded.events, trace_dropped = excluded.trace_dropped`,
  );
  const insertEvent = db.prepare<[string, number, string, string, number]>(
    'INSERT INTO events (run_id, seq, type, data, created_at) VALUES (?, ?, ?, ?, ?)',
  );

  let pending: Pending[] = [];
  let timer: NodeJS.Timeout | undefined;
  // Sizes of the trace files this process appends to: one stat per run instead of one per batch. A run is
  // driven by one process at a time; a resumed run starts from the file's real size.
  const sizes = new Map<string, number>();
  let dirReady = false;

  /** Appends the lines that fit under traceMaxBytes in one write; returns how many were written. */
  const writeLines = (file: string, lines: readonly string[], alreadyDropped: number): number => {
    if (alreadyDropped > 0 || lines.length === 0) return 0;
    let size = sizes.get(file) ?? fileSize(file) ?? 0;
    let fit = 0;
    // a trace is a prefix of the run: the first line that does not fit ends it
    for (const line of lines) {
      const bytes = Buffer.byteLength(line, 'utf8');
      if (size + bytes > traceMaxBytes) break;
      size += bytes;
      fit += 1;
    }
    if (fit === 0) return 0;
    try {
      if (!dirReady) {
        mkdirSync(traceDir, { recursive: true });
        dirReady = true;
      }
      appendFileSync(file, fit === lines.length ? lines.join('') : lines.slice(0, fit).join(''));
      if (sizes.size > 1000) sizes.clear();
      sizes.set(file, size);
      return fit;
    } catch {
      // a trace is diagnostics: an unwritable trace folder must not fail the run; the loss shows as dropped
      return 0;
    }
  };

  const writeRun = (runId: string, items: readonly Pending[]): void => {
    // the run (and so its session) was deleted while its events waited: they go with it
    if (runExists.get(runId) === undefined) return;
    const counters = selectTrace.get(runId) ?? { events: 0, trace_dropped: 0 };
    const lines: string[] = [];
    let seq = counters.events;
    for (const { event, at } of items) {
      seq += 1;
      const data = JSON.stringify(event);
      if (seq <= MAX_EVENTS_PER_RUN) insertEvent.run(runId, seq, event.type, data, at);
      // `{"ts":…,"seq":…,…event}` without serialising the event twice
      lines.push(`{"ts":${at},"seq":${seq},${data.slice(1)}\n`);
    }
    const written = writeLines(traceFileOf(traceDir, runId), lines, counters.trace_dropped);
    upsertTrace.run(runId, seq, counters.trace_dropped + (lines.length - written));
  };

  const writeBatch = db.transaction((batch: readonly Pending[]) => {
    const byRun = new Map<string, Pending[]>();
    for (const item of batch) {
      const list = byRun.get(item.runId);
      if (list === undefined) byRun.set(item.runId, [item]);
      else list.push(item);
    }
    for (const [runId, items] of byRun) writeRun(runId, items);
  });

  const cancelTimer = (): void => {
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
  };

  const writePending = (): void => {
    cancelTimer();
    if (pending.length === 0) return;
    const batch = pending;
    pending = [];
    try {
      // nested in the caller's transaction (a checkpoint) this is a savepoint, committed with it
      if (db.inTransaction) writeBatch(batch);
      else writeBatch.immediate(batch);
    } catch (err) {
      // kept for the next attempt, in order; beyond MAX_RETAINED the oldest are lost
      pending = [...batch, ...pending].slice(-MAX_RETAINED);
      throw err;
    }
  };

  const onTimer = (): void => {
    timer = undefined;
    if (!db.open) return;
    try {
      writePending();
    } catch (err) {
      // the events stay pending: the next event or step boundary tries again
      onBackgroundError(err);
    }
  };

  const schedule = (): void => {
    // not unref'd: a process that ends on its own first writes what it reported
    timer ??= setTimeout(onTimer, EVENT_FLUSH_DELAY_MS);
  };

  return {
    enqueue(runId, event) {
      pending.push({ runId, event, at: now() });
      if (pending.length >= EVENT_FLUSH_BATCH && !db.inTransaction) onTimer();
      else schedule();
    },
    writePending,
    pendingCount: () => pending.length,
    forgetTrace: (file) => sizes.delete(file),
    forgetAllTraces: () => {
      sizes.clear();
    },
    dispose: cancelTimer,
  };
}
