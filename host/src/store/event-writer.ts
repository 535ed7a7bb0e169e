import { join } from 'node:path';
import type { LoopEvent } from '../events/loop-events.js';
import type { StoreContext } from './context.js';
import { createTraceAppender } from './trace-appender.js';

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
  /** Writes the trace lines still waiting for their file to open (see trace-appender.ts), for readers. */
  drainTraces(): void;
  /** Closes a run's trace file (the run ended), or drops it when `removing` (it is about to be removed). */
  closeTrace(file: string, removing?: boolean): void;
  closeAllTraces(): void;
  /** Stops the timer and closes the trace files; pending events stay pending (writePending first keeps them). */
  dispose(): void;
}

export function traceFileOf(traceDir: string, runId: string): string {
  return join(traceDir, `${runId}${TRACE_SUFFIX}`);
}

export function createEventWriter(ctx: StoreContext, onBackgroundError: (err: unknown) => void): EventWriter {
  const { db, now, traceDir, traceMaxBytes } = ctx;
  // Reserves a batch's seqs and reads the trace counters in one statement, instead of a run check, a counter
  // read and a counter write per run and batch: no row comes back when the run (and so its session) was
  // deleted while its events waited, and they go with it.
  const reserveSeqs = db.prepare<[number, string], { events: number; trace_dropped: number }>(
    `INSERT INTO traces (run_id, events, trace_dropped) SELECT id, ?, 0 FROM runs WHERE id = ?
     ON CONFLICT (run_id) DO UPDATE SET events = events + excluded.events
     RETURNING events, trace_dropped`,
  );
  // only once a trace is at its cap: from then on every batch's lines are counted, none written
  const addDropped = db.prepare<[number, string]>(
    'UPDATE traces SET trace_dropped = trace_dropped + ? WHERE run_id = ?',
  );
  const insertEvent = db.prepare<[string, number, string, string, number]>(
    'INSERT INTO events (run_id, seq, type, data, created_at) VALUES (?, ?, ?, ?, ?)',
  );

  let pending: Pending[] = [];
  let timer: NodeJS.Timeout | undefined;
  const traces = createTraceAppender(traceDir, traceMaxBytes);

  const writeRun = (runId: string, items: readonly Pending[]): void => {
    const counters = reserveSeqs.get(items.length, runId);
    if (counters === undefined) return;
    const lines: string[] = [];
    let seq = counters.events - items.length;
    for (const { event, at } of items) {
      seq += 1;
      const data = JSON.stringify(event);
      if (seq <= MAX_EVENTS_PER_RUN) insertEvent.run(runId, seq, event.type, data, at);
      // `{"ts":…,"seq":…,…event}` without serialising the event twice
      lines.push(`{"ts":${at},"seq":${seq},${data.slice(1)}\n`);
    }
    const dropped =
      lines.length - traces.writeLines(traceFileOf(traceDir, runId), lines, counters.trace_dropped);
    if (dropped > 0) addDropped.run(dropped, runId);
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
    drainTraces: traces.drain,
    closeTrace: traces.close,
    closeAllTraces: traces.closeAll,
    dispose: () => {
      cancelTimer();
      traces.closeAll();
    },
  };
}
