import type { StoreContext } from './context.js';

interface OpenTicket {
  id: string;
  status: 'pending' | 'approved' | 'executing';
  risk: string;
  claim_pid: number | null;
  lease_until: number | null;
}

/** What recovery does with the tickets of a run whose owner is gone. */
export interface ClaimRecovery {
  /** An `executing` claim of the run outlived its lease (its process hangs, or its pid was reused). */
  readonly leaseLapsed: (runId: string) => boolean;
  /**
   * Settles the run's unfinished tickets and, when one still waits to run or to be decided, puts the run back
   * to `awaiting_approval` (resumable from its checkpoint by `roku approval approve`); returns false when
   * nothing is left to resume (the caller interrupts the run).
   */
  readonly revive: (runId: string) => boolean;
}

function readOnly(riskJson: string): boolean {
  const risk = JSON.parse(riskJson) as unknown;
  return Array.isArray(risk) && risk.length > 0 && risk.every((r) => r === 'read');
}

/**
 * Recovery of approved calls whose process died. A claim whose owner is dead (or whose lease lapsed) may or may
 * not have reached the tool: a read-only call is safe to run again, so it goes back to `approved`; any other call
 * goes back to `pending` with a note saying it may have run, so the user decides with what is known instead of
 * the call being lost or repeated blindly.
 */
export function createClaimRecovery(ctx: StoreContext): ClaimRecovery {
  const { db, now } = ctx;
  const selectOpen = db.prepare<[string], OpenTicket>(
    `SELECT id, status, risk, claim_pid, lease_until FROM approvals
     WHERE run_id = ? AND status IN ('pending', 'approved', 'executing')`,
  );
  const selectLapsed = db.prepare<[string, number], { id: string }>(
    "SELECT id FROM approvals WHERE run_id = ? AND status = 'executing' AND lease_until IS NOT NULL AND lease_until < ? LIMIT 1",
  );
  const rerun = db.prepare<[string, string]>(
    "UPDATE approvals SET status = 'approved', claim_pid = NULL, lease_until = NULL, note = ? WHERE id = ? AND status = 'executing'",
  );
  const askAgain = db.prepare<[string, string]>(
    `UPDATE approvals SET status = 'pending', claim_pid = NULL, lease_until = NULL, decided_by = NULL,
       decided_at = NULL, note = ? WHERE id = ? AND status = 'executing'`,
  );
  const pause = db.prepare<[number, string]>(
    "UPDATE runs SET status = 'awaiting_approval', owner_pid = NULL, finished_at = NULL, updated_at = ? WHERE id = ?",
  );

  const revive = (runId: string): boolean => {
    const at = now();
    let open = 0;
    for (const ticket of selectOpen.all(runId)) {
      open += 1;
      if (ticket.status !== 'executing') continue;
      // The claim's process is the run's owner, which is gone (or hung past the lease): the claim is dead too.
      const owner = ticket.claim_pid;
      const who = owner === null ? 'its process' : `process ${owner}`;
      const when = new Date(at).toISOString();
      if (readOnly(ticket.risk)) {
        rerun.run(`${who} stopped during this read-only call (found ${when}); it runs again`, ticket.id);
      } else {
        askAgain.run(
          `may have run: ${who} started this approved call and stopped before recording its result (found ${when}); ` +
            'check whether it took effect before approving it again; reject it to not run it again',
          ticket.id,
        );
      }
    }
    if (open === 0) return false;
    pause.run(at, runId);
    return true;
  };

  return { leaseLapsed: (runId) => selectLapsed.get(runId, now()) !== undefined, revive };
}
