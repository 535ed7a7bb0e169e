import type { ChatRequest, ChatResponse, ChatStreamEvent, TokenUsage, ToolSpec } from '@roku/schemas';
import type { SnapshotInfo } from './runtime-types.js';
import type { PluginSnapshotBase, SnapshotPlugin } from './snapshot/snapshot.js';

/** A model as the loop sees it. */
export interface ModelChoice {
  readonly ref: string;
  readonly contextWindow: number;
  readonly maxOutputTokens: number | undefined;
  /** The manifest's capabilities of the model (output-slot escalation reads them). */
  readonly capabilities?: readonly string[];
}

export interface RetryInfo {
  readonly attempt: number;
  readonly delayMs: number;
  readonly code: string;
  readonly provider: string;
  readonly modelId: string;
}

/** The provider router, as the loop uses it (implemented in ./router). */
export interface LoopRouter {
  readonly hasModels: boolean;
  select(request: {
    model?: string;
    /** Choose only among this provider's models (`agent.provider`); ignored when `model` is given. */
    provider?: string;
    estimatedPromptTokens: number;
    expectedOutputTokens: number;
  }): ModelChoice;
  chat(
    request: ChatRequest,
    options: {
      signal?: AbortSignal;
      onDelta?: (event: ChatStreamEvent) => void;
      onRetry?: (info: RetryInfo) => void;
      /** The session the request serves (its provider sandbox keeps state per session). */
      session?: string;
      /** The caller's W3C trace id, for the provider's outgoing requests (RunHandlers.traceId). */
      traceId?: string;
    },
  ): Promise<{ response: ChatResponse; model: ModelChoice }>;
  estimateRequestTokens(request: ChatRequest): number;
  estimateCostUsd(ref: string, usage: TokenUsage): number;
  /** `model`, or the loaded model with the largest context window: what a compaction makes room for. */
  roomiest(model?: string): ModelChoice;
}

export interface CatalogEntry {
  readonly name: string;
  readonly plugin: SnapshotPlugin;
  readonly toolName: string;
  readonly risk: readonly string[];
}

/** The tool catalog, as the loop uses it (implemented in ./catalog). */
export interface LoopCatalog {
  get(name: string): CatalogEntry | undefined;
  definitions(options: {
    planMode: boolean;
    loaded: ReadonlySet<string>;
    exclude: ReadonlySet<string>;
    extra: readonly ToolSpec[];
  }): { specs: readonly ToolSpec[]; fingerprint: string; deferred: readonly string[] };
  search(query: string, limit: number): { name: string; description: string }[];
}

/** A snapshot with its router and catalog assembled: everything a turn runs against. */
export interface AgentSnapshot extends PluginSnapshotBase {
  readonly router: LoopRouter;
  readonly catalog: LoopCatalog;
  readonly info: SnapshotInfo;
}
