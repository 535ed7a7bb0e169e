import { RokuError } from '@roku/schemas';
import type { StoreContext } from './context.js';
import { durably } from './sqlite.js';
import { runNotFound, toApproval } from './rows.js';
import type { ApprovalDbRow } from './rows.js';
import type { ApprovalRow, ApprovalStatus, Store } from './types.js';

type Decide = (status: ApprovalStatus, by: string, comment: string | null, at: number, id: string) => unknown;

/** What the resume transaction shares with the other ticket methods. */
export interface ResumeParts {
  readonly require: (id: string) => ApprovalDbRow;
  readonly decide: { run: Decide };
  readonly digestMismatch: (row: ApprovalDbRow, digest: string) => RokuError;
}

/** `Store.resumeDecidedRun`: one durable transaction. */
export function createResumeDecidedRun(ctx: StoreContext, parts: ResumeParts): Store['resumeDecidedRun'] {
  const { db, now } = ctx;
  const { require, decide, digestMismatch } = parts;
  const redecide = db.prepare<[ApprovalStatus, string, string | null, number, string]>(
    "UPDATE approvals SET status = ?, decided_by = ?, comment = ?, decided_at = ? WHERE id = ? AND status IN ('approved', 'rejected')",
  );
  const selectRun = db.prepare<[string], { status: string; owner_pid: number | null }>(
    'SELECT status, owner_pid FROM runs WHERE id = ?',
  );
  const takeRun = db.prepare<[number, number, string]>(
    "UPDATE runs SET status = 'running', owner_pid = ?, finished_at = NULL, updated_at = ? WHERE id = ?",
  );

  // Deciding (when still pending) and taking the run over are one transaction: two processes resuming the
  // same paused run cannot both drive it.
  const resume = db.transaction(
    (id: string, options: Parameters<Store['resumeDecidedRun']>[1]): ApprovalRow => {
      const row = require(id);
      const run = selectRun.get(row.run_id);
      if (run === undefined) throw runNotFound(row.run_id);
      const owner = run.owner_pid;
      if (owner !== null && owner !== options.pid && options.isAlive(owner)) {
        throw new RokuError(
          'ROKU_SESSION_BUSY',
          `run ${row.run_id} is being driven by process ${String(owner)}, which is asking about ticket ${id}; answer there`,
          { details: { approvalId: id, runId: row.run_id, ownerPid: owner } },
        );
      }
      // A ticket decided by a process that died before the call ran can be decided again: the call has not
      // run, so the decision made now is the one that holds.
      const open = row.status === 'pending' || row.status === 'approved' || row.status === 'rejected';
      if (run.status !== 'awaiting_approval' || !open) {
        const by = row.decided_by === null ? '' : ` by ${row.decided_by}`;
        throw new RokuError(
          'ROKU_APPROVAL_ALREADY_DECIDED',
          `approval ticket ${id} is already ${row.status}${by} and its run ${row.run_id} is ${run.status}; nothing to resume`,
          { details: { approvalId: id, runId: row.run_id, status: row.status, runStatus: run.status } },
        );
      }
      const { decision } = options;
      if (decision.expectedDigest !== undefined && decision.expectedDigest !== row.digest) {
        throw digestMismatch(row, decision.expectedDigest);
      }
      const status: ApprovalStatus = decision.approved ? 'approved' : 'rejected';
      (row.status === 'pending' ? decide : redecide).run(
        status,
        decision.by,
        decision.comment ?? null,
        now(),
        id,
      );
      takeRun.run(options.pid, now(), row.run_id);
      return toApproval(require(id));
    },
  );
  return (id, options) => durably(db, () => resume.immediate(id, options));
}
