import { createApprovalMethods } from './approvals.js';
import { isProcessAlive } from './context.js';
import type { StoreContext } from './context.js';
import { createEventMethods, DEFAULT_TRACE_MAX_BYTES, DEFAULT_TRACE_RETENTION_DAYS } from './events.js';
import { createMessageCache } from './message-cache.js';
import { createPluginStateMethods } from './plugins.js';
import { createRunMethods } from './runs.js';
import type { IsAlive } from './run-busy.js';
import { createSessionMethods } from './sessions.js';
import { mapSqliteError, openDatabase, scheduleWalCheckpoints, writeTransaction } from './sqlite.js';
import type { Store, StoreOptions } from './types.js';

/** Default wait for a lock held by another process. */
export const DEFAULT_BUSY_TIMEOUT_MS = 5000;

/** Wraps every method so that SQLite failures surface as the store's error codes, whichever method hit them. */
function guardMethods<T extends object>(target: T, mapError: (err: unknown) => unknown): T {
  const guarded: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(target as Record<string, unknown>)) {
    if (typeof value !== 'function') {
      guarded[key] = value;
      continue;
    }
    const method = value as (...args: unknown[]) => unknown;
    guarded[key] = (...args: unknown[]): unknown => {
      try {
        return method(...args);
      } catch (err) {
        throw mapError(err);
      }
    };
  }
  return guarded as T;
}

/**
 * Opens the host's durable state: a SQLite file (WAL; approval transitions are committed with
 * `synchronous = FULL`) and a folder of per-run JSONL traces. Lists are newest first (sessions by last
 * update, runs and approvals by creation); messages and events are oldest first.
 *
 * - Messages get per-session `seq` numbers from 1 that are never reused. `compactMessages` cuts in
 *   conversation order before the message numbered `keepFromSeq` (or before where it would be), hides the
 *   visible messages before the cut and inserts the summary, with a new seq, just before the first kept one;
 *   when nothing is before the cut it changes nothing.
 * - `startRun` interrupts the session's `running` runs whose owner is dead, then refuses (ROKU_SESSION_BUSY)
 *   while a run is `running` with a live owner or `awaiting_approval`; the ancestors of a sub-agent's run
 *   (`parentRunId`) do not block it. `finishRun` and interrupted stale runs
 *   cancel the run's pending tickets. Run ids are 1–128 characters of `[A-Za-z0-9._-]` (a RangeError
 *   otherwise): they name trace files.
 * - `appendEvent` buffers (see event-writer.ts): events are written in groups within EVENT_FLUSH_DELAY_MS, and
 *   with any checkpoint, finish or approval ticket, so a trace never lags the state; messages are not buffered.
 *   The store keeps at most MAX_EVENTS_PER_RUN events per run in the table and writes trace lines
 *   `{"ts":…,"seq":…,…event}` until the file would pass `traceMaxBytes`; later events are counted in
 *   `traceInfo`. `pruneTraces` removes traces and events of runs finished more than `traceRetentionDays`
 *   ago, and orphan trace files as old.
 * - Methods taking a session or run id throw ROKU_SESSION_NOT_FOUND / ROKU_RUN_NOT_FOUND for unknown ids
 *   (`get…` return undefined, `listEvents` an empty list, `deleteSession` false).
 *
 * @throws ROKU_STORE_CORRUPT, ROKU_STORE_LOCKED, ROKU_STORE_NEWER, ROKU_HOME_UNUSABLE when opening, and the
 *   first two (and ROKU_HOME_UNUSABLE on a full disk) from any method; the other codes as documented on `Store`.
 * @example
 * const store = createStore({ file: join(home, 'state', 'roku.db'), traceDir: join(home, 'traces') });
 * store.recoverStaleRuns();
 * store.pruneTraces();
 * const session = store.ensureSession('chat-default');
 */
export function createStore(options: StoreOptions): Store {
  const busyTimeoutMs = options.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS;
  const db = openDatabase(options.file, busyTimeoutMs);
  const ctx: StoreContext = {
    db,
    file: options.file,
    traceDir: options.traceDir,
    traceMaxBytes: options.traceMaxBytes ?? DEFAULT_TRACE_MAX_BYTES,
    traceRetentionDays: options.traceRetentionDays ?? DEFAULT_TRACE_RETENTION_DAYS,
    now: options.now ?? Date.now,
  };
  let methods: Store;
  try {
    methods = buildMethods(ctx, (err) => {
      options.onEventWriteError?.(mapSqliteError(err, options.file, busyTimeoutMs));
    });
  } catch (err) {
    db.close();
    throw mapSqliteError(err, options.file, busyTimeoutMs);
  }
  return guardMethods(methods, (err) => mapSqliteError(err, options.file, busyTimeoutMs));
}

function buildMethods(ctx: StoreContext, onEventWriteError: (err: unknown) => void): Store {
  const { db } = ctx;
  const sessions = createSessionMethods(ctx);
  const messages = createMessageCache(db, sessions);
  const { interruptDead, busyError, ...runs } = createRunMethods(ctx);
  const { removeTrace, writer, ...events } = createEventMethods(ctx, onEventWriteError);
  const approvals = createApprovalMethods(ctx);
  const plugins = createPluginStateMethods(ctx);

  const selectRunIds = db.prepare<[string], { id: string }>('SELECT id FROM runs WHERE session_id = ?');
  const deleteSessionRow = db.prepare<[string]>('DELETE FROM sessions WHERE id = ?');

  /**
   * A step boundary: the events reported so far are committed in the same transaction as the checkpoint (or
   * the run's end), so the events table never lags the state it led to (a new run's trace file may, by the
   * time its creation takes on the thread pool: see trace-appender.ts). Events are diagnostics: if they cannot be
   * written, the checkpoint still is, and they stay pending.
   */
  const writePendingEvents = (): void => {
    try {
      // inside a transaction, a savepoint of its own: a failed batch is undone alone
      writer.writePending();
    } catch (err) {
      onEventWriteError(err);
    }
  };
  const withPendingEvents = writeTransaction(db, (write: () => void): void => {
    writePendingEvents();
    write();
  });

  const deleteSession = db.transaction((id: string, isAlive: IsAlive): string[] | undefined => {
    const runIds = selectRunIds.all(id).map((row) => row.id);
    interruptDead(id, isAlive);
    const busy = busyError(id, 'delete the session', isAlive, { awaitingBlocks: false });
    if (busy !== undefined) throw busy;
    // messages, runs, events, trace counters and approval tickets go with the session (ON DELETE CASCADE)
    return deleteSessionRow.run(id).changes === 0 ? undefined : runIds;
  });

  const atomically = db.transaction((fn: () => unknown): unknown => fn());
  const stopCheckpoints = scheduleWalCheckpoints(db);

  return {
    file: ctx.file,
    atomically<T>(fn: () => T): T {
      try {
        return atomically.immediate(fn) as T;
      } catch (err) {
        // appends inside were rolled back, but had already extended the in-memory copies
        messages.forgetAll();
        throw err;
      }
    },
    ...sessions,
    listMessages: messages.listMessages,
    appendMessages: messages.appendMessages,
    compactMessages: messages.compactMessages,
    deleteSession(id, isAlive = isProcessAlive) {
      const runIds = deleteSession.immediate(id, isAlive);
      messages.forget(id);
      if (runIds === undefined) return false;
      for (const runId of runIds) removeTrace(runId);
      return true;
    },
    ...runs,
    checkpointRun(id, state, update) {
      withPendingEvents(() => {
        runs.checkpointRun(id, state, update);
      });
    },
    finishRun(id, status, result) {
      withPendingEvents(() => {
        runs.finishRun(id, status, result);
      });
    },
    ...events,
    ...approvals,
    createApproval(ticket, state) {
      // the ticket is committed with synchronous = FULL, which cannot change inside a transaction: events first
      writePendingEvents();
      return approvals.createApproval(ticket, state);
    },
    ...plugins,
    close() {
      if (!db.open) return;
      writePendingEvents();
      writer.dispose();
      stopCheckpoints();
      db.close();
    },
  };
}
