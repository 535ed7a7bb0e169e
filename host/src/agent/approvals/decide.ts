import { RokuError } from '@roku/schemas';
import { isProcessAlive } from '../../store/index.js';
import type { Checkpoint } from '../loop/types.js';
import { driveRun } from '../runs.js';
import { crashPoint } from './crash-points.js';
import type { RunDeps } from '../runs.js';
import type { ApprovalMode, RunHandlers, RunResult } from '../runtime-types.js';
import type { Store } from '../../store/types.js';

/**
 * Decides a ticket and resumes its run, in this process or another one than the one that paused it. A decision
 * recorded by a process that died before it finished the run is not made again: the run resumes from its
 * checkpoint and the approved call runs once.
 *
 * @throws ROKU_APPROVAL_NOT_FOUND, ROKU_RUN_NOT_FOUND, ROKU_SESSION_BUSY (another live process is asking),
 *   ROKU_APPROVAL_ALREADY_DECIDED, ROKU_APPROVAL_DIGEST_MISMATCH
 */
export async function decideAndResume(
  deps: RunDeps,
  approvalId: string,
  decision: Parameters<Store['decideApproval']>[1],
  handlers: RunHandlers,
  runOptions: { approvalMode?: ApprovalMode; signal?: AbortSignal; alwaysForSession?: boolean },
): Promise<RunResult> {
  const { store, pid } = deps;
  const ticket = store.getApproval(approvalId);
  if (ticket === undefined) {
    throw new RokuError(
      'ROKU_APPROVAL_NOT_FOUND',
      `no approval ticket ${approvalId} (see roku approval list)`,
    );
  }
  // Deciding and taking the run over are one transaction; a process that dies after it leaves the run
  // `running` with a dead owner, which recovery puts back to awaiting_approval with its decided ticket.
  store.recoverStaleRuns(isProcessAlive);
  store.resumeDecidedRun(approvalId, { decision, pid, isAlive: isProcessAlive });
  crashPoint('approval-decided');
  const run = store.getRun(ticket.runId);
  if (run === undefined) {
    throw new RokuError('ROKU_RUN_NOT_FOUND', `run ${ticket.runId} of ${approvalId} is gone`);
  }
  return deps.snapshots.use(async (snapshot) => {
    const saved = run.state as Checkpoint;
    const state: Checkpoint = { ...saved, approvalMode: runOptions.approvalMode ?? saved.approvalMode };
    // "Always for this session" from a paused decision (HTTP): the run's checkpoint keeps it, and later runs
    // of the session in this process see it like an interactive `a` answer.
    if (runOptions.alwaysForSession === true && decision.approved) {
      state.alwaysAllowed = [...new Set([...saved.alwaysAllowed, ticket.toolName])];
      const allowed = deps.alwaysAllowed.get(ticket.sessionId) ?? new Set<string>();
      allowed.add(ticket.toolName);
      deps.alwaysAllowed.set(ticket.sessionId, allowed);
    }
    store.checkpointRun(run.id, state, { status: 'running', ownerPid: pid });
    return driveRun(deps, snapshot, state, handlers, runOptions.signal);
  });
}
