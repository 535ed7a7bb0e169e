import { appendFileSync, mkdirSync, readdirSync, statSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import type { LoopEvent } from '../events/loop-events.js';
import type { StoreContext } from './context.js';
import { RUN_ID_PATTERN, runNotFound } from './rows.js';
import type { Store, TraceInfo } from './types.js';

/** Events kept in the events table per run; later ones are counted (`TraceInfo.eventsDropped`), not stored. */
export const MAX_EVENTS_PER_RUN = 20_000;
/** Default cap of one run's trace file. */
export const DEFAULT_TRACE_MAX_BYTES = 4 * 1024 * 1024;
/** Default age after which finished runs' traces and events are pruned. */
export const DEFAULT_TRACE_RETENTION_DAYS = 30;

const DAY_MS = 24 * 60 * 60 * 1000;
const TRACE_SUFFIX = '.jsonl';

export type EventMethods = Pick<Store, 'appendEvent' | 'listEvents' | 'traceInfo' | 'pruneTraces'> & {
  /** Removes a run's trace file, if any; true when one was removed. Never throws. */
  readonly removeTrace: (runId: string) => boolean;
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
 */
export function createEventMethods(ctx: StoreContext): EventMethods {
  const { db, now, traceDir, traceMaxBytes, traceRetentionDays } = ctx;
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
  const selectEvents = db.prepare<[string], { data: string }>(
    'SELECT data FROM events WHERE run_id = ? ORDER BY seq',
  );
  const selectExpired = db.prepare<[number], { run_id: string }>(
    `SELECT t.run_id FROM traces t JOIN runs r ON r.id = t.run_id
     WHERE r.status IN ('succeeded', 'failed', 'interrupted') AND r.finished_at IS NOT NULL AND r.finished_at < ?`,
  );
  const deleteEvents = db.prepare<[string]>('DELETE FROM events WHERE run_id = ?');
  const deleteTrace = db.prepare<[string]>('DELETE FROM traces WHERE run_id = ?');

  const traceFile = (runId: string): string => join(traceDir, `${runId}${TRACE_SUFFIX}`);

  // Sizes of the trace files this process appends to: one stat per run instead of one per event. A run is
  // driven by one process at a time; a resumed run starts from the file's real size.
  const sizes = new Map<string, number>();
  let dirReady = false;

  /** Appends a line unless the trace is full (or was: see above); false when the line is dropped. */
  const writeLine = (file: string, line: string, alreadyDropped: number): boolean => {
    if (alreadyDropped > 0) return false;
    const size = sizes.get(file) ?? fileSize(file) ?? 0;
    const bytes = Buffer.byteLength(line, 'utf8');
    if (size + bytes > traceMaxBytes) return false;
    try {
      if (!dirReady) {
        mkdirSync(traceDir, { recursive: true });
        dirReady = true;
      }
      appendFileSync(file, line);
      if (sizes.size > 1000) sizes.clear();
      sizes.set(file, size + bytes);
      return true;
    } catch {
      // a trace is diagnostics: an unwritable trace folder must not fail the run; the loss shows as dropped
      return false;
    }
  };

  const appendEvent = db.transaction((runId: string, event: LoopEvent) => {
    if (runExists.get(runId) === undefined) throw runNotFound(runId);
    const counters = selectTrace.get(runId) ?? { events: 0, trace_dropped: 0 };
    const seq = counters.events + 1;
    const at = now();
    const data = JSON.stringify(event);
    if (seq <= MAX_EVENTS_PER_RUN) insertEvent.run(runId, seq, event.type, data, at);
    const line = `${JSON.stringify({ ts: at, seq, ...event })}\n`;
    const written = writeLine(traceFile(runId), line, counters.trace_dropped);
    upsertTrace.run(runId, seq, counters.trace_dropped + (written ? 0 : 1));
  });

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
    appendEvent: (runId, event) => {
      appendEvent.immediate(runId, event);
    },
    listEvents: (runId) => selectEvents.all(runId).map((row) => JSON.parse(row.data) as LoopEvent),
    traceInfo(runId): TraceInfo | undefined {
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
      const cutoff = now() - traceRetentionDays * DAY_MS;
      const expired = selectExpired.all(cutoff).map((row) => row.run_id);
      let removed = 0;
      sizes.clear();
      for (const runId of expired) if (unlinkIfPresent(traceFile(runId))) removed += 1;
      forget.immediate(expired);
      return removed + pruneOrphans(cutoff);
    },
    removeTrace(runId) {
      sizes.delete(traceFile(runId));
      try {
        return RUN_ID_PATTERN.test(runId) && unlinkIfPresent(traceFile(runId));
      } catch {
        // the rows are gone already; pruneTraces removes the orphan file later
        return false;
      }
    },
  };
}
