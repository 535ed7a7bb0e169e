import { RokuError } from '@roku/schemas';
import type { StoreContext } from './context.js';
import { RUN_COLUMNS } from './rows.js';
import type { RunDbRow } from './rows.js';
import type { ClaimRecovery } from './claim-recovery.js';

export type IsAlive = (pid: number) => boolean;

export interface RunInternals {
  /**
   * Settles `running` runs of a session (or all sessions) whose owner is dead: a run with an approved call not
   * yet finished goes back to `awaiting_approval` (see `claim-recovery.ts`), any other is `interrupted`.
   */
  readonly interruptDead: (sessionId: string | undefined, isAlive: IsAlive) => number;
  /**
   * The busy error for a session, or undefined when no run blocks it: a `running` run with a live owner, and
   * unless `awaitingBlocks` is false a run `awaiting_approval`; runs in `exempt` never block. Call after
   * `interruptDead`.
   */
  readonly busyError: (
    sessionId: string,
    action: string,
    isAlive: IsAlive,
    options?: { awaitingBlocks?: boolean; exempt?: ReadonlySet<string> },
  ) => RokuError | undefined;
}

/** Finishes a run as `interrupted` with ROKU_RUN_INTERRUPTED (and cancels its pending tickets). */
export type InterruptRun = (id: string, message: string, errorMessage: string) => void;

/**
 * The session busy rules: which run blocks a session (a live `running` owner, a run awaiting approval), how
 * runs of dead owners are interrupted, and which runs are a sub-agent's ancestors (they never block it).
 */
export function createBusyRules(
  ctx: StoreContext,
  interrupt: InterruptRun,
  claims: ClaimRecovery,
): RunInternals & { readonly ancestors: (parentRunId: string | null) => Set<string> } {
  const { db } = ctx;
  // Searched by status (`+session_id` keeps SQLite off runs_session): the unfinished runs are few, while the
  // session's index would visit every run the session ever had on each run start (0.8 ms at 5,000 runs).
  const selectActive = db.prepare<[string], RunDbRow>(
    `SELECT ${RUN_COLUMNS} FROM runs WHERE +session_id = ? AND status IN ('running', 'awaiting_approval')
     ORDER BY created_at, rowid`,
  );
  const selectRunning = db.prepare<[], { id: string; owner_pid: number | null }>(
    "SELECT id, owner_pid FROM runs WHERE status = 'running'",
  );
  const selectSessionRunning = db.prepare<[string], { id: string; owner_pid: number | null }>(
    "SELECT id, owner_pid FROM runs WHERE status = 'running' AND session_id = ?",
  );
  const selectTicket = db.prepare<[string], { id: string }>(
    `SELECT id FROM approvals WHERE run_id = ?
     ORDER BY status = 'pending' DESC, created_at DESC, rowid DESC LIMIT 1`,
  );
  const selectParent = db.prepare<[string], { parent_run_id: string | null }>(
    'SELECT parent_run_id FROM runs WHERE id = ?',
  );

  const interruptDead = (sessionId: string | undefined, isAlive: IsAlive): number => {
    const rows = sessionId === undefined ? selectRunning.all() : selectSessionRunning.all(sessionId);
    let count = 0;
    for (const row of rows) {
      if (row.owner_pid !== null && isAlive(row.owner_pid) && !claims.leaseLapsed(row.id)) continue;
      count += 1;
      if (claims.revive(row.id)) continue;
      const owner = row.owner_pid === null ? 'no owner process' : `owner process ${row.owner_pid} is gone`;
      interrupt(row.id, `interrupted: ${owner}`, `run ${row.id}: ${owner}`);
    }
    return count;
  };

  const ancestors = (parentRunId: string | null): Set<string> => {
    const found = new Set<string>();
    for (
      let id = parentRunId;
      id !== null && !found.has(id);
      id = selectParent.get(id)?.parent_run_id ?? null
    ) {
      found.add(id);
    }
    return found;
  };

  const busyError: RunInternals['busyError'] = (sessionId, action, isAlive, options = {}) => {
    const awaitingBlocks = options.awaitingBlocks ?? true;
    for (const run of selectActive.all(sessionId)) {
      if (options.exempt?.has(run.id) === true) continue;
      if (run.status === 'running' && run.owner_pid !== null && isAlive(run.owner_pid)) {
        return new RokuError(
          'ROKU_SESSION_BUSY',
          `session ${sessionId}: run ${run.id} is running in process ${run.owner_pid}; ` +
            `wait for it to finish or stop that process before you ${action}`,
          { details: { sessionId, runId: run.id, status: run.status, ownerPid: run.owner_pid } },
        );
      }
      if (run.status === 'awaiting_approval' && awaitingBlocks) {
        const approvalId = selectTicket.get(run.id)?.id ?? null;
        const ticket = approvalId === null ? '' : ` (ticket ${approvalId})`;
        return new RokuError(
          'ROKU_SESSION_BUSY',
          `session ${sessionId}: run ${run.id} is waiting for approval${ticket}; ` +
            `approve or reject it (roku approval approve|reject ${approvalId ?? '<id>'}) before you ${action}`,
          { details: { sessionId, runId: run.id, status: run.status, approvalId } },
        );
      }
    }
    return undefined;
  };

  return { interruptDead, ancestors, busyError };
}
