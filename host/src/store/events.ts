import { readdirSync, statSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import type { LoopEvent } from '../events/loop-events.js';
import type { StoreContext } from './context.js';
import { createEventWriter, MAX_EVENTS_PER_RUN, TRACE_SUFFIX, traceFileOf } from './event-writer.js';
import type { EventWriter } from './event-writer.js';
import { RUN_ID_PATTERN, runNotFound } from './rows.js';
import type { Store, TraceInfo } from './types.js';

export { MAX_EVENTS_PER_RUN } from './event-writer.js';
/** Default cap of one run's trace file. */
export const DEFAULT_TRACE_MAX_BYTES = 4 * 1024 * 1024;
/** Default age after which finished runs' traces and events are pruned. */
export const DEFAULT_TRACE_RETENTION_DAYS = 30;

const DAY_MS = 24 * 60 * 60 * 1000;

export type EventMethods = Pick<
  Store,
  'appendEvent' | 'flushEvents' | 'listEvents' | 'traceInfo' | 'pruneTraces'
> & {
  /** Removes a run's trace file, if any; true when one was removed. Never throws. */
  readonly removeTrace: (runId: string) => boolean;
  /** The buffer behind appendEvent, for the store's step boundaries and close. */
  readonly writer: EventWriter;
};

function fileSize(file: string): number | undefined {
  try {
    return statSync(file).size;
  } catch {
    return undefined;
  }
}

function unlinkIfPresent(file: string): boolean {
  try {
    unlinkSync(file);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
}

/**
 * Events and trace files. The events table keeps the first MAX_EVENTS_PER_RUN events of a run; the trace file
 * `<traceDir>/<runId>.jsonl` gets one line per event until the next line would take it past `traceMaxBytes`.
 * From then on lines are counted as dropped and none is written, so a trace is always a prefix of the run.
 * `appendEvent` only checks the run and buffers: see event-writer.ts for when events are written.
 */
export function createEventMethods(
  ctx: StoreContext,
  onBackgroundError: (err: unknown) => void,
): EventMethods {
  const { db, now, traceDir, traceRetentionDays } = ctx;
  const writer = createEventWriter(ctx, onBackgroundError);
  const runExists = db.prepare<[string], { id: string }>('SELECT id FROM runs WHERE id = ?');
  const selectTrace = db.prepare<[string], { events: number; trace_dropped: number }>(
    'SELECT events, trace_dropped FROM traces WHERE run_id = ?',
  );
  const selectEvents = db.prepare<[string], { data: string }>(
    'SELECT data FROM events WHERE run_id = ? ORDER BY seq',
  );
  const selectExpired = db.prepare<[number], { run_id: string }>(
    `SELECT t.run_id FROM traces t JOIN runs r ON r.id = t.run_id
     WHERE r.status IN ('succeeded', 'failed', 'interrupted') AND r.finished_at IS NOT NULL AND r.finished_at < ?`,
  );
  const deleteEvents = db.prepare<[string]>('DELETE FROM events WHERE run_id = ?');
  const deleteTrace = db.prepare<[string]>('DELETE FROM traces WHERE run_id = ?');

  const traceFile = (runId: string): string => traceFileOf(traceDir, runId);
  // Runs seen to exist: one lookup per run instead of one per event (a deleted run's events are skipped when
  // written). Bounded: a long-lived host sees many runs.
  const known = new Set<string>();

  const forget = db.transaction((runIds: readonly string[]) => {
    for (const runId of runIds) {
      deleteEvents.run(runId);
      deleteTrace.run(runId);
    }
  });

  const pruneOrphans = (cutoff: number): number => {
    let names: string[];
    try {
      names = readdirSync(traceDir);
    } catch {
      return 0;
    }
    let removed = 0;
    for (const name of names) {
      if (!name.endsWith(TRACE_SUFFIX)) continue;
      const runId = name.slice(0, -TRACE_SUFFIX.length);
      if (!RUN_ID_PATTERN.test(runId) || runExists.get(runId) !== undefined) continue;
      const file = join(traceDir, name);
      let mtime: number;
      try {
        mtime = statSync(file).mtimeMs;
      } catch {
        continue;
      }
      if (mtime < cutoff && unlinkIfPresent(file)) removed += 1;
    }
    return removed;
  };

  return {
    writer,
    appendEvent(runId, event) {
      if (!known.has(runId)) {
        if (runExists.get(runId) === undefined) throw runNotFound(runId);
        if (known.size > 1000) known.clear();
        known.add(runId);
      }
      writer.enqueue(runId, event);
    },
    flushEvents: () => {
      writer.writePending();
      writer.drainTraces();
    },
    listEvents: (runId) => {
      writer.writePending();
      writer.drainTraces();
      return selectEvents.all(runId).map((row) => JSON.parse(row.data) as LoopEvent);
    },
    traceInfo(runId): TraceInfo | undefined {
      writer.writePending();
      writer.drainTraces();
      const counters = selectTrace.get(runId);
      if (counters === undefined) return undefined;
      const file = traceFile(runId);
      return {
        runId,
        file,
        bytes: fileSize(file) ?? 0,
        dropped: counters.trace_dropped,
        eventsDropped: Math.max(0, counters.events - MAX_EVENTS_PER_RUN),
      };
    },
    pruneTraces() {
      if (traceRetentionDays <= 0) return 0;
      writer.writePending();
      const cutoff = now() - traceRetentionDays * DAY_MS;
      const expired = selectExpired.all(cutoff).map((row) => row.run_id);
      let removed = 0;
      writer.closeAllTraces();
      for (const runId of expired) if (unlinkIfPresent(traceFile(runId))) removed += 1;
      forget.immediate(expired);
      return removed + pruneOrphans(cutoff);
    },
    removeTrace(runId) {
      known.delete(runId);
      writer.closeTrace(traceFile(runId), true);
      try {
        return RUN_ID_PATTERN.test(runId) && unlinkIfPresent(traceFile(runId));
      } catch {
        // the rows are gone already; pruneTraces removes the orphan file later
        return false;
      }
    },
  };
}
