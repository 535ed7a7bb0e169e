import type { ChatRequest, ChatResponse, ChatStreamEvent, LiveModel, ModelDescriptor } from '@roku/schemas';
import type { BreakerBoard, BreakerState } from './breaker.js';

/** What the router needs of one provider contribution of a loaded plugin. */
export interface ProviderBinding {
  /** Scoped plugin id, e.g. `@roku/provider-openai`. */
  readonly pluginId: string;
  /** The provider contribution's name (`contributes.providers[].name`), the first segment of model refs. */
  readonly provider: string;
  /** The models the manifest declares for this provider. */
  readonly models: readonly ModelDescriptor[];
  /** The provider's live model list (`provider.models`, checked), merged in; `models` wins on conflicts. */
  readonly live?: readonly LiveModel[] | undefined;
  /**
   * Runs one request (usually `callPlugin(sandbox, pluginOp('provider.chat', name), …)`). `request.model` is
   * the bare model id. Streamed events go to `onEvent`; the router validates them and the resolved value.
   */
  chat(request: ChatRequest, options: ProviderCallOptions): Promise<unknown>;
}

export interface ProviderCallOptions {
  /** Aborted on the caller's abort, on the per-request timeout, or when a streamed event is malformed. */
  readonly signal: AbortSignal;
  readonly onEvent: (event: unknown) => void;
  /** The session the request serves (the provider's sandbox keeps state per session). */
  readonly session?: string | undefined;
  /** The caller's W3C trace id: the provider's fetches carry a traceparent in it. */
  readonly traceId?: string | undefined;
}

/** Retry, breaker and timeout settings (host config `agent.*`, spec §5.6). */
export interface RouterPolicy {
  /** Retries after the first attempt; `maxRetries: 5` allows up to 6 attempts. */
  readonly maxRetries: number;
  readonly initialBackoffMs: number;
  readonly maxBackoffMs: number;
  /** Consecutive failed attempts that open a provider's breaker; 0 disables the breaker. */
  readonly breakerFailureThreshold: number;
  readonly breakerCooldownMs: number;
  /** Wall time of one attempt, streaming included; 0 means none. */
  readonly timeoutMs: number;
}

/** One model a loaded provider offers. */
export interface ModelEntry {
  /** `<provider>/<modelId>`; a provider name used by two plugins is qualified: `<plugin short name>:<provider>/<modelId>`. */
  readonly ref: string;
  readonly pluginId: string;
  readonly provider: string;
  readonly modelId: string;
  readonly contextWindow: number;
  readonly maxOutputTokens: number | null;
  readonly capabilities: readonly string[];
  readonly costPer1kInputUsd: number | null;
  readonly costPer1kOutputUsd: number | null;
  /**
   * Where the entry comes from: the manifest (or the plugin's settings), the provider's live list, or the
   * manifest with fields only the live list has.
   */
  readonly source: ModelSource;
}

export type ModelSource = 'manifest' | 'live' | 'manifest+live';

export interface SelectRequest {
  /** An explicit model (ref or bare id): used when it fits, never silently replaced. Empty = none. */
  readonly model?: string | undefined;
  readonly estimatedPromptTokens: number;
  readonly expectedOutputTokens: number;
}

export interface RetryInfo {
  /** 1-based number of the attempt that just failed; the next attempt is `attempt + 1`. */
  readonly attempt: number;
  readonly delayMs: number;
  /** The provider error code (`PROVIDER_RATE_LIMIT`, …) or the sandbox code (`ROKU_SANDBOX_TIMEOUT`, …). */
  readonly code: string;
  readonly pluginId: string;
  readonly provider: string;
  readonly modelId: string;
}

export interface RouterChatOptions {
  /** Aborting rejects at once with `signal.reason`; nothing is retried or counted against the provider. */
  readonly signal?: AbortSignal | undefined;
  /** Validated stream events of the attempt that is running. */
  readonly onDelta?: ((event: ChatStreamEvent) => void) | undefined;
  /** Called before each backoff sleep. */
  readonly onRetry?: ((info: RetryInfo) => void) | undefined;
  /** The session the request serves, passed on to the provider's sandbox. */
  readonly session?: string | undefined;
  /** The caller's W3C trace id, passed on to the provider's fetches (traceparent). */
  readonly traceId?: string | undefined;
}

export interface RouterChatResult {
  /** The validated, normalised response (tool-call arguments are objects). */
  readonly response: ChatResponse;
  readonly model: ModelEntry;
  /** Attempts made, the successful one included. */
  readonly attempts: number;
}

export interface ProviderRouterOptions {
  readonly providers: readonly ProviderBinding[];
  readonly policy: RouterPolicy;
  /** Breaker state; pass the same board to the router of every snapshot so that state survives swaps. */
  readonly breakers: BreakerBoard;
  /** Abortable sleep used for backoff; rejects with `signal.reason` on abort. */
  readonly sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Uniform [0, 1) for backoff jitter. */
  readonly random?: () => number;
  /** Milliseconds clock for the breaker. */
  readonly now?: () => number;
}

/** Model routing, retries and circuit breaking over the loaded provider plugins (spec §5.5, §5.6). */
export interface ProviderRouter {
  /** Problems found while building the model table (e.g. a provider name used by two plugins). */
  readonly warnings: readonly string[];
  /** Every model, sorted by ref. */
  models(): readonly ModelEntry[];
  /**
   * Finds a model by `<provider>/<modelId>` or by a bare model id.
   * @throws ROKU_NO_PROVIDER when no provider is loaded; ROKU_MODEL_NOT_FOUND when nothing matches or a bare id
   *   is ambiguous (details.candidates lists the refs).
   */
  resolveModel(ref: string): ModelEntry;
  /**
   * Picks the model for a request: the explicit one if it fits, else the cheapest fitting model whose breaker
   * is not open (ties by ref).
   * @throws ROKU_NO_PROVIDER, ROKU_MODEL_NOT_FOUND, ROKU_NO_ELIGIBLE_MODEL (details.reasons per model)
   */
  select(request: SelectRequest): ModelEntry;
  /**
   * Sends a request to `request.model` (a ref or bare id) with retries, backoff and the provider's breaker.
   * @throws ROKU_PROVIDER_FAILED, ROKU_PROVIDER_UNAVAILABLE, ROKU_PROVIDER_BAD_OUTPUT,
   *   ROKU_CONTEXT_WINDOW_EXCEEDED, ROKU_MODEL_NOT_FOUND, ROKU_NO_PROVIDER; the caller's abort reason.
   */
  chat(request: ChatRequest, options?: RouterChatOptions): Promise<RouterChatResult>;
  /** The breaker of one provider, for `/plugins` and metrics. */
  breakerState(pluginId: string, provider: string): BreakerState;
}
