import { RokuError } from '@roku/schemas';
import type { StoreContext } from './context.js';
import { approvalNotFound, runNotFound, toApproval, toJson } from './rows.js';
import type { ApprovalDbRow } from './rows.js';
import { durably } from './sqlite.js';
import { createResumeDecidedRun } from './approval-resume.js';
import type { ApprovalRow, ApprovalStatus, NewApproval, Store } from './types.js';

const APPROVAL_COLUMNS =
  'id, run_id, session_id, tool_call_id, tool_name, arguments, digest, risk, status, decided_by, comment, created_at, decided_at, result, claim_pid, lease_until, note';

export type ApprovalMethods = Pick<
  Store,
  | 'createApproval'
  | 'getApproval'
  | 'listApprovals'
  | 'decideApproval'
  | 'claimApprovalExecution'
  | 'completeApprovalExecution'
  | 'cancelApprovals'
  | 'resumeDecidedRun'
>;

type InsertApproval = Pick<
  ApprovalDbRow,
  | 'id'
  | 'run_id'
  | 'session_id'
  | 'tool_call_id'
  | 'tool_name'
  | 'arguments'
  | 'digest'
  | 'risk'
  | 'created_at'
>;

interface ApprovalFilter {
  status: ApprovalStatus | null;
  session_id: string | null;
  run_id: string | null;
}

type Decision = Parameters<Store['decideApproval']>[1];

export function digestMismatch(row: ApprovalDbRow, digest: string): RokuError {
  return new RokuError(
    'ROKU_APPROVAL_DIGEST_MISMATCH',
    `approval ticket ${row.id}: the call's digest ${digest} differs from the ticket's ${row.digest} ` +
      `(${row.tool_name}); the call is refused`,
    { details: { approvalId: row.id, runId: row.run_id, expected: row.digest, actual: digest } },
  );
}

/**
 * Approval tickets. Every transition is one durable transaction guarded by the ticket's current status, so two
 * processes deciding or claiming the same ticket cannot both succeed.
 */
export function createApprovalMethods(ctx: StoreContext): ApprovalMethods {
  const { db, now } = ctx;
  const selectApproval = db.prepare<[string], ApprovalDbRow>(
    `SELECT ${APPROVAL_COLUMNS} FROM approvals WHERE id = ?`,
  );
  const selectApprovals = db.prepare<ApprovalFilter, ApprovalDbRow>(
    `SELECT ${APPROVAL_COLUMNS} FROM approvals
     WHERE (@status IS NULL OR status = @status) AND (@session_id IS NULL OR session_id = @session_id)
       AND (@run_id IS NULL OR run_id = @run_id)
     ORDER BY created_at DESC, rowid DESC`,
  );
  const selectRunSession = db.prepare<[string], { session_id: string }>(
    'SELECT session_id FROM runs WHERE id = ?',
  );
  const insertApproval = db.prepare<InsertApproval>(
    `INSERT INTO approvals (id, run_id, session_id, tool_call_id, tool_name, arguments, digest, risk, status, created_at)
     VALUES (@id, @run_id, @session_id, @tool_call_id, @tool_name, @arguments, @digest, @risk, 'pending', @created_at)`,
  );
  const pauseRun = db.prepare<[string | null, number, string]>(
    "UPDATE runs SET state = ?, status = 'awaiting_approval', owner_pid = NULL, finished_at = NULL, updated_at = ? WHERE id = ?",
  );
  const decide = db.prepare<[ApprovalStatus, string, string | null, number, string]>(
    "UPDATE approvals SET status = ?, decided_by = ?, comment = ?, decided_at = ? WHERE id = ? AND status = 'pending'",
  );
  const claim = db.prepare<[number | null, number | null, string]>(
    "UPDATE approvals SET status = 'executing', claim_pid = ?, lease_until = ? WHERE id = ? AND status = 'approved'",
  );
  const complete = db.prepare<[string | null, number, string]>(
    "UPDATE approvals SET status = 'executed', result = ?, executed_at = ?, lease_until = NULL WHERE id = ? AND status = 'executing'",
  );

  const require = (id: string): ApprovalDbRow => {
    const row = selectApproval.get(id);
    if (row === undefined) throw approvalNotFound(id);
    return row;
  };

  const createApproval = db.transaction((ticket: NewApproval, checkpoint: unknown): ApprovalRow => {
    const run = selectRunSession.get(ticket.runId);
    if (run === undefined) throw runNotFound(ticket.runId);
    if (run.session_id !== ticket.sessionId) {
      throw new RangeError(`approval ${ticket.id}: run ${ticket.runId} belongs to session ${run.session_id}`);
    }
    const at = now();
    insertApproval.run({
      id: ticket.id,
      run_id: ticket.runId,
      session_id: ticket.sessionId,
      tool_call_id: ticket.toolCallId,
      tool_name: ticket.toolName,
      arguments: toJson(ticket.arguments) ?? 'null',
      digest: ticket.digest,
      risk: JSON.stringify(ticket.risk),
      created_at: at,
    });
    pauseRun.run(toJson(checkpoint), at, ticket.runId);
    return toApproval(require(ticket.id));
  });

  const decideApproval = db.transaction((id: string, decision: Decision): ApprovalRow => {
    const row = require(id);
    if (row.status !== 'pending') {
      const by = row.decided_by === null ? '' : ` by ${row.decided_by}`;
      throw new RokuError(
        'ROKU_APPROVAL_ALREADY_DECIDED',
        `approval ticket ${id} is already ${row.status}${by}; only pending tickets can be decided`,
        { details: { approvalId: id, runId: row.run_id, status: row.status, decidedBy: row.decided_by } },
      );
    }
    if (decision.expectedDigest !== undefined && decision.expectedDigest !== row.digest) {
      throw digestMismatch(row, decision.expectedDigest);
    }
    const status: ApprovalStatus = decision.approved ? 'approved' : 'rejected';
    decide.run(status, decision.by, decision.comment ?? null, now(), id);
    return toApproval(require(id));
  });

  const claimApprovalExecution = db.transaction(
    (id: string, digest: string, owner: { pid: number; leaseUntil: number } | undefined): boolean => {
      const row = require(id);
      if (digest !== row.digest) throw digestMismatch(row, digest);
      return claim.run(owner?.pid ?? null, owner?.leaseUntil ?? null, id).changes === 1;
    },
  );

  const completeApprovalExecution = db.transaction((id: string, result: unknown): void => {
    const row = require(id);
    if (complete.run(toJson(result), now(), id).changes === 0) {
      throw new RokuError(
        'ROKU_APPROVAL_ALREADY_DECIDED',
        `approval ticket ${id} is ${row.status}, not executing; claim it with claimApprovalExecution first`,
        { details: { approvalId: id, runId: row.run_id, status: row.status } },
      );
    }
  });

  const cancel = db.prepare<[number, string]>(
    "UPDATE approvals SET status = 'cancelled', decided_at = ? WHERE run_id = ? AND status = 'pending'",
  );
  const cancelApprovals = db.transaction((runId: string): number => cancel.run(now(), runId).changes);

  return {
    createApproval: (ticket, checkpoint) => durably(db, () => createApproval.immediate(ticket, checkpoint)),
    getApproval(id) {
      const row = selectApproval.get(id);
      return row === undefined ? undefined : toApproval(row);
    },
    listApprovals: (options) =>
      selectApprovals
        .all({
          status: options?.status ?? null,
          session_id: options?.sessionId ?? null,
          run_id: options?.runId ?? null,
        })
        .map(toApproval),
    decideApproval: (id, decision) => durably(db, () => decideApproval.immediate(id, decision)),
    claimApprovalExecution: (id, digest, owner) =>
      durably(db, () => claimApprovalExecution.immediate(id, digest, owner)),
    resumeDecidedRun: createResumeDecidedRun(ctx, { require, decide, digestMismatch }),
    completeApprovalExecution: (id, result) => {
      durably(db, () => {
        completeApprovalExecution.immediate(id, result);
      });
    },
    cancelApprovals: (runId) => durably(db, () => cancelApprovals.immediate(runId)),
  };
}
