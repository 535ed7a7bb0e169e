import type { ChatMessage } from '@roku/schemas';
import type { LoopEvent, RunStatus } from '../events/loop-events.js';

export interface SessionRow {
  readonly id: string;
  readonly title: string | null;
  readonly createdAt: number;
  readonly updatedAt: number;
  /** Messages visible to the model (compacted ones excluded). */
  readonly messageCount: number;
  readonly lastRunId: string | null;
  readonly lastRunStatus: RunStatus | null;
}

export interface StoredMessage {
  readonly sessionId: string;
  /** Position in the session, starting at 1; never reused. */
  readonly seq: number;
  readonly runId: string | null;
  readonly message: ChatMessage;
  readonly createdAt: number;
}

export interface RunRow {
  readonly id: string;
  readonly sessionId: string;
  readonly parentRunId: string | null;
  readonly goal: string;
  readonly status: RunStatus;
  /** Process driving the run while it is `running`. */
  readonly ownerPid: number | null;
  /** The loop's checkpoint (JSON), enough to resume a paused run in another process. */
  readonly state: unknown;
  readonly resultMessage: string | null;
  readonly errorCode: string | null;
  readonly errorMessage: string | null;
  readonly createdAt: number;
  readonly updatedAt: number;
}

/**
 * pending → approved → executing → executed, or pending → rejected, or pending → cancelled (session deleted,
 * run abandoned). `executing` is recorded before the tool runs so that a crash during the call never leads to a
 * second execution.
 */
export type ApprovalStatus = 'pending' | 'approved' | 'rejected' | 'executing' | 'executed' | 'cancelled';

export interface ApprovalRow {
  readonly id: string;
  readonly runId: string;
  readonly sessionId: string;
  readonly toolCallId: string;
  readonly toolName: string;
  readonly arguments: unknown;
  /** sha256 hex of the canonical JSON of {tool, arguments}. */
  readonly digest: string;
  readonly risk: readonly string[];
  readonly status: ApprovalStatus;
  readonly decidedBy: string | null;
  readonly comment: string | null;
  readonly createdAt: number;
  readonly decidedAt: number | null;
  /** The tool's result (or error) once executed. */
  readonly result: unknown;
  /** While `executing`: the process running the call and when its claim lapses (epoch ms). */
  readonly claimPid: number | null;
  readonly leaseUntil: number | null;
  /** What is known when the ticket is asked again, e.g. that an earlier attempt may have run. */
  readonly note: string | null;
}

export interface NewApproval {
  readonly id: string;
  readonly runId: string;
  readonly sessionId: string;
  readonly toolCallId: string;
  readonly toolName: string;
  readonly arguments: unknown;
  readonly digest: string;
  readonly risk: readonly string[];
}

export interface TraceInfo {
  readonly runId: string;
  readonly file: string;
  readonly bytes: number;
  /** Events counted but not written because the file reached `traceMaxBytes`. */
  readonly dropped: number;
  /** Events counted but not kept in the events table because the run reached its cap (20 000 events). */
  readonly eventsDropped?: number;
}

/** The runtime's record of a plugin: its part in the last snapshot and a quarantine that survives restarts. */
export interface PluginStateRow {
  readonly id: string;
  readonly version: string;
  /** installed | dev | bundled */
  readonly origin: string;
  readonly status: 'loaded' | 'left-out' | 'quarantined';
  readonly problem: string | null;
  readonly quarantineReason: string | null;
  readonly quarantinedAt: number | null;
  readonly updatedAt: number;
  /** Content of the plugin when it was quarantined (dev folders): other content lifts the quarantine. */
  readonly quarantineHash: string | null;
}

export interface StoreOptions {
  /** SQLite file, e.g. `$ROKU_HOME/state/roku.db`. */
  readonly file: string;
  /** Directory of per-run trace files, e.g. `$ROKU_HOME/traces`. */
  readonly traceDir: string;
  readonly traceMaxBytes?: number;
  readonly traceRetentionDays?: number;
  /** How long to wait for a lock held by another process (default 5000 ms). */
  readonly busyTimeoutMs?: number;
  readonly now?: () => number;
  /**
   * Called when buffered events could not be written in the background (the store's error codes, e.g.
   * ROKU_STORE_LOCKED); they stay buffered and are written with the next batch. Default: ignored.
   */
  readonly onEventWriteError?: (err: unknown) => void;
}

/**
 * The host's durable state. Every method is synchronous (better-sqlite3) and every multi-row change is one
 * transaction, so a crash leaves either the old or the new state.
 *
 * Errors: ROKU_STORE_CORRUPT (not a database / failed integrity check, with the file and a fix),
 * ROKU_STORE_LOCKED (another process holds a write lock past the busy timeout), ROKU_STORE_NEWER (schema from a
 * newer Roku), ROKU_SESSION_NOT_FOUND, ROKU_RUN_NOT_FOUND, ROKU_APPROVAL_NOT_FOUND, ROKU_SESSION_BUSY,
 * ROKU_APPROVAL_ALREADY_DECIDED, ROKU_APPROVAL_DIGEST_MISMATCH.
 */
export interface Store {
  readonly file: string;

  /** Returns the session, creating it when missing. Session ids: 1–128 chars of [A-Za-z0-9._:-]. */
  ensureSession(id: string): SessionRow;
  /** Creates the session when missing, without reading it back (a run's start: its row counts the messages). */
  touchSession(id: string): void;
  getSession(id: string): SessionRow | undefined;
  listSessions(options?: { limit?: number }): SessionRow[];
  /** Names a session (`roku session rename`): 1–50 characters, normalised. @throws ROKU_SESSION_INVALID_NAME */
  setSessionTitle(id: string, title: string): void;
  /** Deletes a session with its messages, runs, events, approvals and traces. @throws ROKU_SESSION_BUSY while a run is `running` with a live owner. */
  deleteSession(id: string, isAlive?: (pid: number) => boolean): boolean;

  appendMessages(sessionId: string, runId: string | null, messages: readonly ChatMessage[]): StoredMessage[];
  /** The session's conversation as the model sees it (compacted messages excluded), oldest first. */
  listMessages(sessionId: string): StoredMessage[];
  /**
   * `/compact`: hides every visible message before `keepFromSeq` and inserts `summary` in their place.
   * @returns how many messages were hidden and how many remain visible after the summary.
   */
  compactMessages(
    sessionId: string,
    keepFromSeq: number,
    summary: ChatMessage,
  ): { discarded: number; retained: number };

  /**
   * Registers a new run as `running` owned by `ownerPid`. Refuses with ROKU_SESSION_BUSY when the session has
   * a run that is `running` with a live owner, or `awaiting_approval` (the error names the run and ticket).
   * Runs whose owner is dead are marked `interrupted` first.
   */
  startRun(
    run: {
      id: string;
      sessionId: string;
      parentRunId?: string | null;
      goal: string;
      ownerPid: number;
      state: unknown;
    },
    isAlive?: (pid: number) => boolean,
  ): RunRow;
  getRun(id: string): RunRow | undefined;
  listRuns(options?: { sessionId?: string; limit?: number }): RunRow[];
  /**
   * One top-level field of the checkpoint of the session's newest run (what `listRuns({ sessionId, limit: 1 })`
   * would give as `state[field]`), without reading the rest of the run; undefined when there is no such run,
   * state or field. @throws RangeError when `field` is not a plain name
   */
  latestRunStateField(sessionId: string, field: string): unknown;
  /**
   * Runs `fn`, whose store writes are one transaction: all committed when it returns, none if it throws. The
   * agent groups the writes of one step so that a turn costs a few commits, not one per write.
   */
  atomically<T>(fn: () => T): T;
  /** Saves the loop checkpoint; `status` changes it too (e.g. back to `running` when resumed by `ownerPid`). */
  checkpointRun(id: string, state: unknown, update?: { status?: RunStatus; ownerPid?: number | null }): void;
  finishRun(
    id: string,
    status: Extract<RunStatus, 'succeeded' | 'failed' | 'interrupted'>,
    result: { message: string; errorCode?: string; errorMessage?: string },
  ): void;
  /**
   * Settles `running` runs whose owner process is dead (or whose executing claim outlived its lease): a run with
   * an approved call not finished goes back to `awaiting_approval` (resumable; a write that may have run is
   * asked again with a note), any other is `interrupted`. Returns how many runs were settled.
   */
  recoverStaleRuns(isAlive?: (pid: number) => boolean): number;

  /**
   * Records an event for the events table and the run's trace file (capped by traceMaxBytes). The run is
   * checked at once (ROKU_RUN_NOT_FOUND); the event is written in a group with others, within
   * EVENT_FLUSH_DELAY_MS, at the next checkpoint, finish or approval of any run, before any read of events,
   * or at `flushEvents` / `close`. Messages are not buffered: `appendMessages` commits before it returns.
   */
  appendEvent(runId: string, event: LoopEvent): void;
  /** Writes the buffered events now (see appendEvent). */
  flushEvents(): void;
  listEvents(runId: string): LoopEvent[];
  traceInfo(runId: string): TraceInfo | undefined;

  /** Writes the ticket and the run's checkpoint, and sets the run `awaiting_approval`, in one transaction. */
  createApproval(ticket: NewApproval, checkpoint: unknown): ApprovalRow;
  getApproval(id: string): ApprovalRow | undefined;
  listApprovals(options?: { status?: ApprovalStatus; sessionId?: string; runId?: string }): ApprovalRow[];
  /**
   * pending → approved / rejected. With `expectedDigest`, refuses (ROKU_APPROVAL_DIGEST_MISMATCH) when it differs
   * from the ticket's. @throws ROKU_APPROVAL_ALREADY_DECIDED when not pending.
   */
  decideApproval(
    id: string,
    decision: { approved: boolean; by: string; comment?: string; expectedDigest?: string },
  ): ApprovalRow;
  /**
   * approved → executing, only if `digest` equals the ticket's; returns false when the ticket is not `approved`
   * (already executing/executed: never run twice). `owner` names the process and its lease, so a claim whose
   * process died is recovered (see `recoverStaleRuns`). @throws ROKU_APPROVAL_DIGEST_MISMATCH
   */
  claimApprovalExecution(id: string, digest: string, owner?: { pid: number; leaseUntil: number }): boolean;
  /**
   * Decides a pending ticket (or takes one decided by a process that died before finishing its run) and makes
   * `pid` the owner of its `awaiting_approval` run, set back to `running`, in one transaction.
   * @throws ROKU_SESSION_BUSY (a live process owns the run), ROKU_APPROVAL_ALREADY_DECIDED (nothing to resume),
   *   ROKU_APPROVAL_DIGEST_MISMATCH
   */
  resumeDecidedRun(
    id: string,
    options: {
      decision: { approved: boolean; by: string; comment?: string; expectedDigest?: string };
      pid: number;
      isAlive: (pid: number) => boolean;
    },
  ): ApprovalRow;
  /** executing → executed with the tool's result. */
  completeApprovalExecution(id: string, result: unknown): void;
  /** Cancels pending tickets of a run (when it is abandoned). */
  cancelApprovals(runId: string): number;

  /** Records each plugin's part in the snapshot just built; rows of plugins no longer there go (unless quarantined). */
  recordPlugins(
    rows: readonly {
      id: string;
      version: string;
      origin: string;
      status: 'loaded' | 'left-out';
      problem?: string | null;
    }[],
  ): void;
  /**
   * Keeps a plugin out of snapshots, across restarts and processes, until `releaseQuarantine` (or, with
   * `contentHash`, until the plugin's content differs).
   */
  quarantinePlugin(id: string, version: string, reason: string, contentHash?: string): void;
  /**
   * Counts a sandbox failure of a plugin in the shared state and returns how many this plugin had within the
   * last `windowMs`, across every process.
   */
  recordPluginFailure(id: string, reason: { code: string; message: string }, windowMs: number): number;
  /** Lifts a quarantine (the user enabled or reinstalled the plugin); false when there was none. */
  releaseQuarantine(id: string): boolean;
  listPluginStates(): PluginStateRow[];

  /** Deletes trace files and events of finished runs older than traceRetentionDays; returns files removed. */
  pruneTraces(): number;
  close(): void;
}
