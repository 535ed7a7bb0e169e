import { RokuError } from '@roku/schemas';
import { isProcessAlive } from '../../store/index.js';
import type { Checkpoint } from '../loop/types.js';
import { driveRun } from '../runs.js';
import type { RunDeps } from '../runs.js';
import type { ApprovalMode, RunHandlers, RunResult } from '../runtime-types.js';
import type { Store } from '../../store/types.js';

/**
 * Decides a ticket and resumes its run, in this process or another one than the one that paused it. A decision
 * recorded by a process that died before it resumed the run is not made again.
 *
 * @throws ROKU_APPROVAL_NOT_FOUND, ROKU_RUN_NOT_FOUND, ROKU_SESSION_BUSY (another live process is asking),
 *   ROKU_APPROVAL_ALREADY_DECIDED, ROKU_APPROVAL_DIGEST_MISMATCH
 */
export async function decideAndResume(
  deps: RunDeps,
  approvalId: string,
  decision: Parameters<Store['decideApproval']>[1],
  handlers: RunHandlers,
  runOptions: { approvalMode?: ApprovalMode; signal?: AbortSignal },
): Promise<RunResult> {
  const { store, pid } = deps;
  const ticket = store.getApproval(approvalId);
  if (ticket === undefined) {
    throw new RokuError(
      'ROKU_APPROVAL_NOT_FOUND',
      `no approval ticket ${approvalId} (see roku approval list)`,
    );
  }
  const run = store.getRun(ticket.runId);
  if (run === undefined) {
    throw new RokuError('ROKU_RUN_NOT_FOUND', `run ${ticket.runId} of ${approvalId} is gone`);
  }
  if (run.ownerPid !== null && run.ownerPid !== pid && isProcessAlive(run.ownerPid)) {
    throw new RokuError(
      'ROKU_SESSION_BUSY',
      `run ${run.id} is being driven by process ${String(run.ownerPid)}, which is asking about this ticket; answer there`,
    );
  }
  const decidedEarlier = ticket.status !== 'pending' && run.status === 'awaiting_approval';
  if (!decidedEarlier) store.decideApproval(approvalId, decision);
  return deps.snapshots.use(async (snapshot) => {
    const saved = run.state as Checkpoint;
    const state: Checkpoint = { ...saved, approvalMode: runOptions.approvalMode ?? saved.approvalMode };
    store.checkpointRun(run.id, state, { status: 'running', ownerPid: pid });
    return driveRun(deps, snapshot, state, handlers, runOptions.signal);
  });
}
