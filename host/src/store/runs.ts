import type { RunStatus } from '../events/loop-events.js';
import { isProcessAlive } from './context.js';
import { createBusyRules } from './run-busy.js';
import { createClaimRecovery } from './claim-recovery.js';
import type { IsAlive, RunInternals } from './run-busy.js';
import type { StoreContext } from './context.js';
import {
  FINISHED_STATUSES,
  RUN_COLUMNS,
  RUN_ID_PATTERN,
  runNotFound,
  sessionNotFound,
  sqlLimit,
  toJson,
  toRun,
} from './rows.js';
import type { RunDbRow } from './rows.js';
import { isForeignKeyError, writeTransaction } from './sqlite.js';
import type { RunRow, Store } from './types.js';

export type RunMethods = Pick<
  Store,
  | 'startRun'
  | 'getRun'
  | 'listRuns'
  | 'latestRunStateField'
  | 'checkpointRun'
  | 'finishRun'
  | 'recoverStaleRuns'
>;

/** A top-level checkpoint field name, for a JSON path (`$.name`). */
const STATE_FIELD = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;

/** A run's row as `startRun` inserts it. */
function insertedRun(
  run: Parameters<Store['startRun']>[0],
  parentRunId: string | null,
  state: string | null,
  at: number,
): RunRow {
  return toRun({
    id: run.id,
    session_id: run.sessionId,
    parent_run_id: parentRunId,
    goal: run.goal,
    status: 'running',
    owner_pid: run.ownerPid,
    state,
    result_message: null,
    error_code: null,
    error_message: null,
    created_at: at,
    updated_at: at,
  });
}

/** One field of a session's newest run's checkpoint, taken out by SQLite: not the whole row read and parsed. */
function latestRunStateField({ db }: StoreContext): Store['latestRunStateField'] {
  const select = db.prepare<[string, string], { value: string | null }>(
    `SELECT state -> ? AS value FROM runs WHERE session_id = ? ORDER BY created_at DESC, rowid DESC LIMIT 1`,
  );
  return (sessionId, field) => {
    if (!STATE_FIELD.test(field))
      throw new RangeError(`checkpoint field ${JSON.stringify(field)} is not a name`);
    const row = select.get(`$.${field}`, sessionId);
    return row?.value == null ? undefined : (JSON.parse(row.value) as unknown);
  };
}

/** Runs: registration with the session busy rules, checkpoints, results and stale-owner recovery. */
export function createRunMethods(ctx: StoreContext): RunMethods & RunInternals {
  const { db, now } = ctx;
  const selectRun = db.prepare<[string], RunDbRow>(`SELECT ${RUN_COLUMNS} FROM runs WHERE id = ?`);
  const selectRuns = db.prepare<[number], RunDbRow>(
    `SELECT ${RUN_COLUMNS} FROM runs ORDER BY created_at DESC, rowid DESC LIMIT ?`,
  );
  const selectSessionRuns = db.prepare<[string, number], RunDbRow>(
    `SELECT ${RUN_COLUMNS} FROM runs WHERE session_id = ? ORDER BY created_at DESC, rowid DESC LIMIT ?`,
  );
  const selectParent = db.prepare<[string], { parent_run_id: string | null }>(
    'SELECT parent_run_id FROM runs WHERE id = ?',
  );
  const insertRun = db.prepare<
    [string, string, string | null, string, number, string | null, number, number]
  >(
    `INSERT INTO runs (id, session_id, parent_run_id, goal, status, owner_pid, state, created_at, updated_at)
     VALUES (?, ?, ?, ?, 'running', ?, ?, ?, ?)`,
  );
  const touchSession = db.prepare<[number, string]>('UPDATE sessions SET updated_at = ? WHERE id = ?');
  const updateState = db.prepare<[string | null, number, string]>(
    'UPDATE runs SET state = ?, updated_at = ? WHERE id = ?',
  );
  const updateStatus = db.prepare<[RunStatus, number | null, number | null, number, string]>(
    'UPDATE runs SET status = ?, owner_pid = ?, finished_at = ?, updated_at = ? WHERE id = ?',
  );
  const finish = db.prepare<[RunStatus, string, string | null, string | null, number, number, string]>(
    `UPDATE runs SET status = ?, result_message = ?, error_code = ?, error_message = ?, owner_pid = NULL,
       finished_at = ?, updated_at = ? WHERE id = ?`,
  );
  const cancelPending = db.prepare<[number, string]>(
    "UPDATE approvals SET status = 'cancelled', decided_at = coalesce(decided_at, ?) WHERE run_id = ? AND status IN ('pending', 'approved')",
  );

  const finishRow = (
    id: string,
    status: Extract<RunStatus, 'succeeded' | 'failed' | 'interrupted'>,
    message: string,
    errorCode: string | null,
    errorMessage: string | null,
  ): void => {
    const at = now();
    if (finish.run(status, message, errorCode, errorMessage, at, at, id).changes === 0) throw runNotFound(id);
    // a finished run is never resumed: its open tickets can no longer be decided, nor its approved calls start
    cancelPending.run(at, id);
  };

  const interrupt = (id: string, message: string, errorMessage: string): void => {
    finishRow(id, 'interrupted', message, 'ROKU_RUN_INTERRUPTED', errorMessage);
  };
  const { interruptDead, ancestors, busyError } = createBusyRules(ctx, interrupt, createClaimRecovery(ctx));

  const startRun = writeTransaction(db, (run: Parameters<Store['startRun']>[0], isAlive: IsAlive): RunRow => {
    if (!RUN_ID_PATTERN.test(run.id)) {
      throw new RangeError(
        `run id ${JSON.stringify(run.id.slice(0, 140))} must be 1-128 characters of letters, digits, ".", "_" or "-"`,
      );
    }
    const parentRunId = run.parentRunId ?? null;
    if (parentRunId !== null && selectParent.get(parentRunId) === undefined) throw runNotFound(parentRunId);
    // a missing session has no runs to settle or wait for: the insert's foreign key reports it
    interruptDead(run.sessionId, isAlive);
    // a sub-agent's run does not wait for the runs that spawned it
    const busy = busyError(run.sessionId, 'start another run', isAlive, { exempt: ancestors(parentRunId) });
    if (busy !== undefined) throw busy;
    const at = now();
    const state = toJson(run.state);
    try {
      insertRun.run(run.id, run.sessionId, parentRunId, run.goal, run.ownerPid, state, at, at);
    } catch (err) {
      throw isForeignKeyError(err) ? sessionNotFound(run.sessionId) : err;
    }
    touchSession.run(at, run.sessionId);
    // the row as inserted, not read back
    return insertedRun(run, parentRunId, state, at);
  });

  const checkpointRun = writeTransaction(
    db,
    (id: string, state: unknown, update: { status?: RunStatus; ownerPid?: number | null } | undefined) => {
      const at = now();
      if (updateState.run(toJson(state), at, id).changes === 0) throw runNotFound(id);
      if (update?.status === undefined && update?.ownerPid === undefined) return;
      const row = selectRun.get(id);
      if (row === undefined) throw runNotFound(id);
      const status = update.status ?? row.status;
      const finishedAt = FINISHED_STATUSES.includes(status) ? at : null;
      updateStatus.run(
        status,
        update.ownerPid === undefined ? row.owner_pid : update.ownerPid,
        finishedAt,
        at,
        id,
      );
    },
  );

  const finishRun = writeTransaction(
    db,
    (
      id: string,
      status: Extract<RunStatus, 'succeeded' | 'failed' | 'interrupted'>,
      result: { message: string; errorCode?: string; errorMessage?: string },
    ) => {
      finishRow(id, status, result.message, result.errorCode ?? null, result.errorMessage ?? null);
    },
  );

  const recoverStaleRuns = db.transaction((isAlive: IsAlive) => interruptDead(undefined, isAlive));

  return {
    interruptDead,
    busyError,
    startRun: (run, isAlive = isProcessAlive) => startRun(run, isAlive),
    getRun(id) {
      const row = selectRun.get(id);
      return row === undefined ? undefined : toRun(row);
    },
    listRuns(options) {
      const limit = sqlLimit(options?.limit);
      const rows =
        options?.sessionId === undefined
          ? selectRuns.all(limit)
          : selectSessionRuns.all(options.sessionId, limit);
      return rows.map(toRun);
    },
    latestRunStateField: latestRunStateField(ctx),
    checkpointRun,
    finishRun,
    recoverStaleRuns: (isAlive = isProcessAlive) => recoverStaleRuns.immediate(isAlive),
  };
}
