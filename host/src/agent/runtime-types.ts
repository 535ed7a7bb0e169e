import type { ChatMessage, PluginOpInput, PluginOpResult } from '@roku/schemas';
import type { MemoryAdminOp } from './slots/memory.js';
import type { ApprovalRow, RunRow, SessionRow, Store, StoredMessage, TraceInfo } from '../store/types.js';
import type { LoopEvent, RunStatus } from '../events/loop-events.js';
import type { ToolGateway } from '../mcp-server/gateway.js';

/**
 * How tool calls that need approval are handled:
 * - interactive: a ticket is written, then `RunHandlers.approve` asks (terminal y/N/a); the run waits.
 * - pause: a ticket is written and the run stops as `awaiting_approval`; `decideApproval` resumes it later,
 *   in this process or another (HTTP, `roku run` without a terminal, `roku approval approve`).
 * - deny: calls that need approval are refused with a hint to use interactive chat (`roku chat --pipe`).
 */
export type ApprovalMode = 'interactive' | 'pause' | 'deny';

export interface RunInput {
  /** Created when missing. Default `chat-default`. */
  readonly sessionId?: string;
  readonly goal: string;
  readonly approvalMode: ApprovalMode;
  /** Approve everything without asking (explicit flag or ROKU_AUTO_APPROVE / approvals.autoApprove). */
  readonly autoApprove?: boolean;
  /** `<provider>/<model>` or a model id; default: the session's, then agent.defaultModel, then the router's pick. */
  readonly model?: string;
  /** Plan mode: only read-only tools are visible and runnable. */
  readonly planMode?: boolean;
  readonly signal?: AbortSignal;
  /**
   * The new run's id, chosen by the caller (the HTTP server names a run before it starts, e.g. while it waits in
   * a session's queue); default `run-<time>-<random>`. Must be unique.
   */
  readonly runId?: string;
}

export type ApprovalAnswer = 'approve' | 'reject' | 'always';

export interface ApprovalPrompt {
  readonly approvalId: string;
  readonly toolName: string;
  readonly arguments: unknown;
  readonly risk: readonly string[];
  readonly digest: string;
  readonly argsSummary: string;
}

export interface RunHandlers {
  readonly onEvent?: (event: LoopEvent) => void;
  /**
   * W3C trace id (32 lower-case hex) of the caller driving this leg of the run, e.g. the HTTP request of
   * `roku serve`. The run's provider requests then carry a `traceparent` header in that trace (each with a new
   * span id), so an upstream's own tracing joins the caller's trace.
   */
  readonly traceId?: string;
  /** Interactive mode only: asks the user. A rejected promise counts as reject. */
  readonly approve?: (prompt: ApprovalPrompt) => Promise<ApprovalAnswer>;
}

export interface RunResult {
  readonly runId: string;
  readonly sessionId: string;
  readonly status: RunStatus;
  /** Final answer, or the error / pause explanation. */
  readonly message: string;
  readonly model: string | null;
  readonly error?: { readonly code: string; readonly message: string };
  /** Set when status is awaiting_approval. */
  readonly approvalId?: string;
  readonly usage: {
    readonly promptTokens: number;
    readonly outputTokens: number;
    readonly cacheReadTokens: number;
    readonly cacheWriteTokens: number;
    readonly estimatedCostUsd: number;
  };
  readonly steps: number;
}

export interface PluginSummary {
  readonly id: string;
  readonly version: string;
  /** installed | dev | bundled (first-party default shipped with the host) | mcp (a server of mcpServers) */
  readonly source: 'installed' | 'dev' | 'bundled' | 'mcp';
  readonly engine: string;
  readonly contributes: {
    readonly tools: readonly string[];
    readonly providers: readonly string[];
    readonly memorySlot: boolean;
    readonly contextEngine: boolean;
    readonly subagentRuntimes: readonly string[];
  };
  /**
   * The limits the plugin runs under: its manifest's, capped by the host's `sandbox` ceilings, with the user's
   * `plugins.grants["<id>"].limits` winning where set. Absent for MCP servers and for plugins left out.
   */
  readonly limits?: PluginLimitsSummary;
  /** Set when the plugin failed to load or is quarantined; it is not in the snapshot. */
  readonly problem?: string;
}

export interface PluginLimitsSummary {
  readonly memoryMb: number;
  readonly cpuMsPerCall: number;
  readonly wallMsPerCall: number;
  readonly cpuMsPerMinute?: number;
  /** Calls at once the limits allow. */
  readonly concurrency: number;
  /**
   * Calls the host runs at once: `concurrency`, or fewer where the plugin's memory holds fewer (each call in
   * flight holds a realm of its own in the plugin's heap); more wait in the plugin's queue.
   */
  readonly callsAtOnce: number;
  /** Set when memory, not `concurrency`, bounds the calls at once: what to raise. */
  readonly boundBy?: string;
}

export interface SnapshotInfo {
  readonly id: number;
  readonly createdAt: number;
  readonly plugins: readonly PluginSummary[];
  readonly models: readonly {
    readonly ref: string;
    readonly contextWindow: number;
    readonly pluginId?: string;
    readonly maxOutputTokens?: number | null;
    readonly capabilities?: readonly string[];
    readonly costPer1kInputUsd?: number | null;
    readonly costPer1kOutputUsd?: number | null;
    /** `manifest`, `live` (the provider's live list only) or `manifest+live` (completed from it). */
    readonly source?: 'manifest' | 'live' | 'manifest+live';
  }[];
  readonly tools: readonly {
    readonly name: string;
    readonly pluginId: string;
    readonly risk: readonly string[];
    readonly deferred: boolean;
  }[];
  readonly memorySlot: string;
  readonly contextEngine: string;
  /** Where memory goes: the slot's owner, what it says it keeps, and whether exchanges are written back. */
  readonly memory: {
    readonly plugin: string;
    readonly description: string;
    /** `agent.rememberExchanges` (off by default): each succeeded exchange is written to the slot. */
    readonly writeBack: boolean;
  };
  /** Why slots fell back to the default, plugins that failed to load, … */
  readonly warnings: readonly string[];
}

export interface ReloadResult {
  readonly ok: boolean;
  /** Snapshot now in use (the new one, or the old one after a rollback). */
  readonly snapshot: SnapshotInfo;
  readonly reason: string;
  readonly error?: { readonly code: string; readonly message: string };
  readonly elapsedMs: number;
}

/** The assembled agent: what the CLI and the HTTP server drive. */
export interface AgentRuntime {
  readonly store: Store;
  snapshotInfo(): SnapshotInfo;
  /** Runs one goal to completion, a pause or an error; never throws for a run's own failures. */
  run(input: RunInput, handlers?: RunHandlers): Promise<RunResult>;
  /**
   * Decides a ticket and resumes its run: approving executes the exact approved call once; rejecting feeds a
   * denial back to the model. @throws ROKU_APPROVAL_NOT_FOUND, ROKU_APPROVAL_ALREADY_DECIDED,
   * ROKU_APPROVAL_DIGEST_MISMATCH, ROKU_SESSION_BUSY
   */
  decideApproval(
    approvalId: string,
    decision: { approved: boolean; by: string; comment?: string; expectedDigest?: string },
    handlers?: RunHandlers,
    options?: { approvalMode?: ApprovalMode; signal?: AbortSignal; alwaysForSession?: boolean },
  ): Promise<RunResult>;
  /** Rebuilds the plugin snapshot; on failure keeps the old one (rollback) and says why. */
  reload(reason: string): Promise<ReloadResult>;
  /** `/compact`: mechanical compaction of a session's older messages through the context engine. */
  compactSession(sessionId: string): Promise<{ discarded: number; retained: number }>;
  /**
   * `roku memory …`: one op on the memory slot's owner (no fallback), scoped to this workspace.
   * @throws ROKU_MEMORY_SLOT_UNAVAILABLE, ROKU_PLUGIN_FAILED (the plugin's code in details)
   */
  memory<K extends MemoryAdminOp>(
    op: K,
    input: PluginOpInput<K>,
  ): Promise<{ pluginId: string; result: PluginOpResult<K> }>;
  sessions(): SessionRow[];
  session(id: string): { session: SessionRow; messages: StoredMessage[]; runs: RunRow[] };
  deleteSession(id: string): boolean;
  approvals(options?: { status?: ApprovalRow['status']; sessionId?: string }): ApprovalRow[];
  trace(runId: string): { run: RunRow; events: LoopEvent[]; trace: TraceInfo | undefined };
  /**
   * Starts watching install signals, the config file and dev plugin folders, and reloads on change (bursts
   * coalesced); `onReload` hears each result. Resolves once every watcher is armed, so a change made after
   * it is seen. A watcher that cannot be armed is logged and skipped (never a rejection). Calling it again
   * only replaces `onReload`.
   */
  watch(onReload?: (result: ReloadResult) => void): Promise<void>;
  /**
   * The snapshot's tools for callers outside the agent loop (`roku mcp serve`, `/mcp`): listed, judged by the
   * approval policy and run in their sandboxes. Close it when done (it watches for snapshot swaps).
   */
  toolGateway(): ToolGateway;
  close(): Promise<void>;
}

export type { ChatMessage };
