import type { Logger } from 'pino';
import type { ChatMessage, RokuError } from '@roku/schemas';
import type { RunStatus } from '../../events/loop-events.js';
import type { Store } from '../../store/types.js';
import type { AgentSnapshot, ModelChoice } from '../assembled.js';
import type { ApprovalMode, RunHandlers } from '../runtime-types.js';
import type { AgentSettings } from '../settings.js';
import type { MemoryPrefetch } from './prompt.js';
import type { ContextMemoBox } from '../slots/context-memo.js';
import type { CacheBaseline } from '../router/index.js';

/** The run's persisted checkpoint: with the session's messages it is enough to resume in another process. */
export interface Checkpoint {
  readonly v: 1;
  readonly runId: string;
  readonly sessionId: string;
  readonly goal: string;
  approvalMode: ApprovalMode;
  autoApprove: boolean;
  planMode: boolean;
  model: string | null;
  /** The user (or config) chose the model: never fail over to another one. */
  modelPinned: boolean;
  /**
   * The pinned model is the config's default (`agent.defaultModel`), not the user's choice: a request it cannot
   * take goes to a model that can (spec check 46). Absent in checkpoints written before it existed.
   */
  modelFromConfig?: boolean;
  step: number;
  remainingSteps: number;
  remainingRecovery: number;
  loadedTools: string[];
  alwaysAllowed: string[];
  usage: { prompt: number; output: number; cacheRead: number; cacheWrite: number; cost: number };
  /** Start of this run's messages in the session (seq of its user message). */
  firstSeq: number;
  /** The previous model call's cache reads and prefix fingerprint (spec §2.11 cache-break detector). */
  cacheBaseline?: CacheBaseline;
  /** The buffer was compacted since the previous model call: the next cache check resets the baseline. */
  cacheCompacted?: boolean;
}

/** Where a loop keeps its conversation: the session (main agent) or memory (a sub-agent). */
export interface Conversation {
  list(): ChatMessage[];
  /** Appends and commits (with any messages kept by `appendLater` first). */
  append(messages: readonly ChatMessage[]): void;
  /**
   * Appends now for `list`, but commits with the next `save` or `append`: a step's last messages go in the
   * checkpoint's (or the run's end's) transaction instead of one of their own.
   */
  appendLater(messages: readonly ChatMessage[]): void;
  /** Commits what `appendLater` kept, in the caller's transaction when there is one. */
  save(): void;
}

/** What a run works with: one snapshot (leased for the run), the store and the run's handlers. */
export interface LoopEnv {
  readonly snapshot: AgentSnapshot;
  readonly store: Store;
  readonly settings: AgentSettings;
  readonly logger: Logger;
  readonly pid: number;
  readonly handlers: RunHandlers;
  readonly signal: AbortSignal | undefined;
  /** Session-wide "always allow" answers, shared by the runs of one runtime. */
  readonly alwaysAllowed: Set<string>;
  /** What the context engine kept of this session (main agent only), shared by the runs of one runtime. */
  readonly contextMemo: ContextMemoBox;
  /** Where cache-break diagnostics go; none are written without it. */
  readonly diagnosticsDir?: string;
  /** The memory recall started with the run (a new run), used by its first model call. */
  readonly memoryPrefetch?: MemoryPrefetch;
}

/** One agent of a run: the main agent, or a sub-agent with its own conversation and budget. */
export interface AgentFrame {
  readonly agentId: string;
  readonly depth: number;
  readonly conversation: Conversation;
  readonly state: Checkpoint;
  /** Tool names the model may not see or call here (sub-agents: Agent, ask_user). */
  readonly exclude: ReadonlySet<string>;
  readonly signal: AbortSignal | undefined;
}

/** The run stopped on an approval ticket; `decideApproval` resumes it, in this process or another. */
export interface Paused {
  readonly kind: 'paused';
  readonly approvalId: string;
  readonly message: string;
}

/** The run (or sub-agent) ended. */
export interface Finished {
  readonly kind: 'finish';
  readonly status: RunStatus;
  readonly message: string;
  readonly error?: RokuError;
}

/** What one iteration of the loop leads to. */
export type StepOutcome = { readonly kind: 'continue' } | Finished | Paused;

/** How a frame's iterations ended. */
export type FrameOutcome = Finished | Paused;

/** What one tool call leads to: a result for the model, the end of the run, or a pause. */
export type CallOutcome =
  | { readonly kind: 'result'; readonly failed: boolean }
  | { readonly kind: 'finish'; readonly outcome: Finished }
  | Paused;

/** The state of one run shared by the loop's rooms (what used to be one class's private fields). */
export interface LoopRun {
  readonly env: LoopEnv;
  readonly main: AgentFrame;
  /** Sub-agents started so far (their ids are `sub-<n>`). */
  subagents: number;
  lastModel: ModelChoice | undefined;
  /** Estimated tokens of tool results added during this run. */
  turnToolTokens: number;
  /** The recalled-memory block, fetched once per run. */
  memory: string | undefined;
  /** Iterates a frame until it finishes or pauses (sub-agents run their own frame with it). */
  readonly drive: (frame: AgentFrame) => Promise<FrameOutcome>;
}
