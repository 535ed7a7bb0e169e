/**
 * The plugin ABI: the only shapes that cross a sandbox boundary. Every value crosses as a JSON string
 * (never as a structured copy) and is size-checked before crossing. Isolate and wasm plugins speak the same ABI.
 *
 * Host -> plugin: `describe` once after load, then `call` per invocation.
 * Plugin -> host: capability requests (`CapabilityRequest`), each checked host-side against the manifest.
 */

/** Bumped only for incompatible changes of the shapes below. */
export const ABI_VERSION = 1;

/** What a plugin's code says it implements; the host checks it against the manifest's `contributes`. */
export interface PluginDescription {
  readonly abi: number;
  readonly tools: readonly string[];
  readonly providers: readonly string[];
  readonly memorySlot: string | null;
  readonly contextEngine: string | null;
  readonly subagentRuntimes: readonly string[];
}

/** One invocation. `op` names the contribution and method; see {@link PluginOps} for every op and its shapes. */
export interface CallRequest {
  readonly op: string;
  readonly input: unknown;
  /** Plugin settings from the host config, validated against the manifest's configSchema. */
  readonly config: unknown;
  /** Call id, for logs and for capability requests made during the call. */
  readonly callId: string;
  /**
   * Whether the host takes events from this call (`ctx.emit`); when false, emit fails without asking the host.
   * Older hosts leave it out: emit then asks the host each time.
   */
  readonly events?: boolean;
}

/** The JSON a plugin returns for a call: a value, or an error it raised on purpose. */
export type CallResponse =
  | { readonly ok: true; readonly value: unknown }
  | {
      readonly ok: false;
      readonly error: {
        readonly code: string;
        readonly message: string;
        readonly retryAfterMs?: number;
        /** Where in the bundle it was thrown (line and column from 1), for the author's source map. */
        readonly bundleLine?: number;
        readonly bundleColumn?: number;
      };
    };

/**
 * Capability operations a plugin may request of the host, with their argument and result shapes.
 * Every request is checked host-side against the manifest; anything not granted fails with
 * ROKU_CAPABILITY_DENIED.
 */
export interface CapabilityOps {
  /** Starts an HTTP request; the body is read with `fetch.read`. Headers may contain `{{secret:NAME}}`. */
  'fetch.start': {
    args: {
      url: string;
      method: string;
      headers: [string, string][];
      body: string | null;
      bodyEncoding: 'utf8' | 'base64';
      /** 'inline': the reply carries the body bytes that came with the headers (`chunk`, `done`). */
      firstChunk?: 'inline';
    };
    result: {
      streamId: string;
      status: number;
      statusText: string;
      headers: [string, string][];
      url: string;
      redirected: boolean;
      /** With `firstChunk: 'inline'`: body bytes (base64) that came with the headers; `done`: the whole body. */
      chunk?: string;
      done?: boolean;
    };
  };
  /** Next chunk of a response body (base64), or done. */
  'fetch.read': { args: { streamId: string }; result: { done: boolean; chunk: string } };
  'fetch.cancel': { args: { streamId: string }; result: null };
  log: {
    args: { level: 'debug' | 'info' | 'warn' | 'error'; message: string; data?: unknown };
    result: null;
  };
  /** Emits an event for the host during a call (e.g. a streamed text delta of a provider). */
  emit: { args: { event: unknown }; result: null };
  'kv.get': { args: { key: string }; result: { value: string | null } };
  'kv.set': { args: { key: string; value: string }; result: null };
  'kv.delete': { args: { key: string }; result: null };
  'kv.list': { args: { prefix: string }; result: { keys: string[] } };
  'fs.read': { args: { root: string; path: string; encoding: 'utf8' | 'base64' }; result: { data: string } };
  'fs.write': {
    args: { root: string; path: string; data: string; encoding: 'utf8' | 'base64' };
    result: null;
  };
  'fs.list': {
    args: { root: string; path: string };
    result: { entries: { name: string; type: 'file' | 'dir' }[] };
  };
  /**
   * Reads many files of one folder (names, not paths) as base64; each succeeds or fails on its own, and names
   * left when the reply is full come back in `rest`.
   */
  'fs.readMany': {
    args: { root: string; path: string; names: string[] };
    result: {
      files: ({ name: string; data: string } | { name: string; error: { code: string; message: string } })[];
      rest: string[];
    };
  };
  'env.get': { args: { name: string }; result: { value: string | null } };
  'llm.chat': { args: { request: unknown }; result: { response: unknown } };
  'memory.recall': { args: { query: string; limit: number }; result: { records: unknown[] } };
  'memory.write': { args: { records: unknown[] }; result: null };
  'tools.invoke': { args: { name: string; input: unknown }; result: { output: unknown } };
  'subagent.run': { args: { task: string; runtime?: string }; result: { output: string } };
  /**
   * Runs a child process in the workspace: `argv` (a program on PATH and its arguments, no shell) or `shell` (a
   * /bin/sh command line, only where granted). Checked host-side against capabilities.processes, the deny lists
   * and the user's grants; killed with its process group on timeout or when the output passes the cap.
   */
  'process.run': {
    args: {
      argv: string[] | null;
      shell: string | null;
      cwd: string;
      timeoutMs: number;
      maxOutputBytes: number;
    };
    result: ProcessRunResult;
  };
  /** One statement on the plugin's own SQLite database (`permissions.capabilities.sql`). */
  'sql.query': { args: { sql: string; params: SqlValue[] }; result: SqlResult };
  /** Several statements in one transaction: all of them take effect, or none. */
  'sql.batch': {
    args: { statements: { sql: string; params: SqlValue[] }[] };
    result: { results: SqlResult[] };
  };
}

/** What `process.run` returns: the exit, the output (cut at maxOutputBytes) and why the host stopped it. */
export interface ProcessRunResult {
  readonly exitCode: number | null;
  readonly signal: string | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly truncated: boolean;
  readonly stopped: 'timeout' | 'output' | 'aborted' | null;
  readonly durationMs: number;
  /** bwrap, unshare or none: how the process was confined. */
  readonly confinement: string;
}

/** A value bound to or read from a plugin's SQL database; blobs travel as `{ base64 }`. */
export type SqlValue = string | number | null | { readonly base64: string };

/** What one SQL statement gave: rows (arrays in column order) for a query, changes for the rest. */
export interface SqlResult {
  readonly columns: readonly string[];
  readonly rows: readonly (readonly SqlValue[])[];
  readonly changes: number;
  readonly lastInsertRowid: number;
}

export type CapabilityOp = keyof CapabilityOps;

/** A capability request as it crosses the boundary (serialized to JSON by the plugin side). */
export interface CapabilityRequest<K extends CapabilityOp = CapabilityOp> {
  readonly op: K;
  readonly args: CapabilityOps[K]['args'];
}

/** The host's reply: a result, or a Roku error (`ROKU_CAPABILITY_DENIED`, `ROKU_SANDBOX_LIMIT`, …). */
export type CapabilityResponse<K extends CapabilityOp = CapabilityOp> =
  | { readonly ok: true; readonly value: CapabilityOps[K]['result'] }
  | { readonly ok: false; readonly error: { readonly code: string; readonly message: string } };

/** The placeholder a plugin writes in a request header; the host substitutes the secret's value on the way out. */
export function secretRef(name: string): string {
  return `{{secret:${name}}}`;
}

// ---------------------------------------------------------------------------------------------------------
// Host -> plugin operations: the other direction of CapabilityOps.
// ---------------------------------------------------------------------------------------------------------

/**
 * Operations the host calls on a plugin, keyed by kind, with their input and the result the plugin returns.
 * The op string that crosses the boundary is built with {@link pluginOp} and read back with
 * {@link parsePluginOp}; {@link PLUGIN_OPS} says how each kind is spelled and which contribution it serves.
 */
export interface PluginOps {
  /** `tool:<name>`: the tool's arguments (checked against its inputSchema); any JSON (its outputSchema). */
  tool: { input: unknown; result: unknown };
  /** `provider:<name>:chat`: the provider may stream ChatStreamEvent through `ctx.emit` meanwhile. */
  'provider.chat': { input: ChatCall; result: ChatAnswer };
  /** `provider:<name>:models` (optional): the models the upstream offers now, at most `limit`. */
  'provider.models': { input: { limit: number }; result: LiveModel[] };
  /** `memory:recall`: the session's records that best match `query`, at most `limit`. */
  'memory.recall': { input: MemoryScope & { query: string; limit: number }; result: MemoryRecord[] };
  /** `memory:write`: stores records in the session. */
  'memory.write': { input: MemoryScope & { records: MemoryRecord[] }; result: null };
  /** `memory:forget` (optional): deletes records of the session by id. */
  'memory.forget': { input: MemoryScope & { ids: string[] }; result: null };
  /** `memory:list` (optional): the session's records, most recent first. */
  'memory.list': { input: MemoryScope & { limit: number }; result: MemoryRecord[] };
  /** `context:beforeRequest`: runs before every model request. */
  'context.beforeRequest': { input: ContextInput; result: ContextResult };
  /** `context:compact` (optional): `/compact` and reactive compaction. */
  'context.compact': { input: ContextInput; result: ContextResult };
  /** `subagent:<name>:run`: the sub-agent's final answer. */
  'subagent.run': { input: SubagentTask; result: string };
}

export type PluginOpKind = keyof PluginOps;
export type PluginOpInput<K extends PluginOpKind> = PluginOps[K]['input'];
export type PluginOpResult<K extends PluginOpKind> = PluginOps[K]['result'];

// The op table and the helpers that build and read op strings live next door (kept small); the ABI exports them.
export { PLUGIN_OPS, PLUGIN_OP_KINDS, formatPluginOp, pluginOp, parsePluginOp } from './plugin-ops.js';
export type { PluginOp, PluginOpSpec, PluginOpNameArgs, ParsedPluginOp } from './plugin-ops.js';

// ---------------------------------------------------------------------------------------------------------
// Neutral agent shapes: what providers, the memory slot, the context engine and sub-agent runtimes exchange
// with the host. They are plain JSON; the host validates every one a plugin returns.
// ---------------------------------------------------------------------------------------------------------

/** What a model supports (the manifest's `capabilities` values). */
export type ModelCapability =
  | 'streaming'
  | 'tools'
  | 'vision'
  | 'json'
  | 'reasoning'
  | 'prompt-cache'
  | 'compact-history'
  | 'output-slot-cap';

/**
 * A model a provider reports live (`provider.models`). Only `id` is required: what the upstream does not say
 * is left out (the host then uses the manifest's entry for that id, or conservative defaults). The host
 * checks every entry: ids like the manifest's, known capabilities, finite numbers in the manifest's ranges.
 */
export interface LiveModel {
  readonly id: string;
  readonly contextWindow?: number;
  readonly maxOutputTokens?: number;
  readonly capabilities?: readonly ModelCapability[];
  readonly costPer1kInputUsd?: number;
  readonly costPer1kOutputUsd?: number;
}

export type ChatRole = 'system' | 'user' | 'assistant' | 'tool';

export interface ToolCall {
  readonly id: string;
  readonly name: string;
  /** Arguments as the model produced them (a JSON object). */
  readonly arguments: unknown;
}

export interface ChatMessage {
  readonly role: ChatRole;
  readonly content: string;
  /** assistant messages: the tool calls the model made. */
  readonly toolCalls?: readonly ToolCall[];
  /** tool messages: which call this result answers, and whether it is an error. */
  readonly toolCallId?: string;
  readonly isError?: boolean;
}

export interface ToolSpec {
  readonly name: string;
  readonly description: string;
  readonly inputSchema: unknown;
}

export interface ChatRequest {
  readonly model: string;
  readonly messages: readonly ChatMessage[];
  readonly tools?: readonly ToolSpec[];
  readonly maxTokens?: number;
  readonly temperature?: number;
  /** Stable per session; providers with prompt caching use it as the cache key. */
  readonly sessionId?: string;
}

/**
 * What the host sends for `provider.chat`. With `since`, the request continues one the provider answered with
 * `state` in this session: the request's first `count` messages are the first `count` of that state's, and
 * `messages` holds only those after them. The SDK rebuilds the whole request before the plugin's `chat` sees it, and throws
 * `ROKU_PROVIDER_STATE_LOST` when its realm no longer holds that state (the host then sends the whole request).
 */
export interface ChatCall extends ChatRequest {
  /** The host can continue the session's requests: keep this one's messages and answer with `state`. */
  readonly keep?: boolean;
  readonly since?: { readonly state: string; readonly count: number };
}

export interface TokenUsage {
  readonly inputTokens: number;
  readonly outputTokens: number;
  readonly cacheReadTokens?: number;
  readonly cacheWriteTokens?: number;
  /** Output tokens the model spent reasoning (already counted in outputTokens). */
  readonly reasoningTokens?: number;
}

export type FinishReason = 'stop' | 'tool_calls' | 'max_tokens' | 'content_filter' | 'error';

export interface ChatResponse {
  readonly message: ChatMessage;
  readonly finishReason: FinishReason;
  readonly usage?: TokenUsage;
  readonly model?: string;
}

/**
 * A `provider.chat` answer as it crosses the boundary: `state` (at most 128 characters) says the provider's
 * realm kept this request's messages, so the host may continue the session's next request with `since`.
 */
export interface ChatAnswer extends ChatResponse {
  readonly state?: string;
}

/** Events a provider emits while it streams (through `ctx.emit`). */
export type ChatStreamEvent =
  | { readonly type: 'text-delta'; readonly text: string }
  | {
      readonly type: 'tool-call-delta';
      readonly index: number;
      readonly id?: string;
      readonly name?: string;
      readonly argumentsDelta?: string;
    }
  | { readonly type: 'usage'; readonly usage: TokenUsage };

/**
 * Error codes a provider raises (as the `code` of a thrown error) so that the host's router can decide about
 * retries and failover. Any other code is treated as `PROVIDER_FATAL`. A thrown error may carry
 * `retryAfterMs` (from a Retry-After header); the host honours it, capped.
 */
export const PROVIDER_ERROR_CODES = [
  'PROVIDER_RATE_LIMIT',
  'PROVIDER_OVERLOADED',
  'PROVIDER_SERVER_ERROR',
  'PROVIDER_TIMEOUT',
  'PROVIDER_CONNECTION_FAILED',
  'PROVIDER_AUTH_FAILED',
  'PROVIDER_INVALID_REQUEST',
  'PROVIDER_QUOTA_EXCEEDED',
  'PROVIDER_CONTEXT_WINDOW_EXCEEDED',
  'PROVIDER_FATAL',
] as const;
export type ProviderErrorCode = (typeof PROVIDER_ERROR_CODES)[number];

export interface MemoryRecord {
  readonly id?: string;
  readonly text: string;
  readonly tags?: readonly string[];
  readonly score?: number;
  readonly createdAt?: number;
  /** When the record last changed (long-term slots update records in place). */
  readonly updatedAt?: number;
  /** Who may recall it: this session only, everyone in this workspace, or the user everywhere. */
  readonly scope?: 'session' | 'workspace' | 'user';
  /** 0 to 1; long-term slots rank important records higher. */
  readonly importance?: number;
}

/** Input of every memory-slot op: the session it acts for comes from the host, never from the model. */
export interface MemoryScope {
  readonly sessionId: string;
  /** A stable, opaque id of the user's workspace (a hash of its path), for workspace-scoped records. */
  readonly workspaceId?: string;
}

export interface SubagentTask {
  readonly task: string;
  readonly maxSteps: number;
}

/**
 * Input of the context engine's hooks. `beforeRequest` runs before every model request; `compact` runs on
 * `/compact` and when the provider reports that the context window was exceeded (`force: true`).
 */
export interface ContextInput {
  readonly request: ChatRequest;
  /** The model's context window in tokens. */
  readonly contextWindow: number;
  /** Fraction of the window above which the engine should compact (host config). */
  readonly compactThresholdRatio: number;
  /** Compact regardless of pressure (reactive compaction, `/compact`). */
  readonly force?: boolean;
  /**
   * Incremental input, sent only to an engine whose last answer in this session carried `state`: that state
   * holds the first `count` messages, and `request.messages` holds only the messages after them. An engine that
   * no longer has that state (a new realm) throws `ROKU_CONTEXT_STATE_LOST`, and the host sends the whole request.
   */
  readonly since?: { readonly state: string; readonly count: number };
  /** The session the request belongs to (engines keep per-session state, e.g. the summariser's breaker). */
  readonly sessionId?: string;
  readonly runId?: string;
  /** Prompt tokens the provider reported so far in this run (cumulative), to calibrate estimates against. */
  readonly reportedPromptTokens?: number;
  /** Estimated tokens the request carries besides its messages (tool definitions). */
  readonly overheadTokens?: number;
  /**
   * Requests of this session the host answered from the engine's last {@link ContextHint} since the engine's
   * last call (absent when none): `reportedPromptTokens` then grew by more than one request's worth, so an
   * engine that calibrates against it takes no sample from this call.
   */
  readonly skipped?: number;
}

/** What the context engine did, reported as loop events by the host. */
export type ContextReport =
  | { readonly type: 'MicrocompactRan'; readonly freed_tokens: number }
  | { readonly type: 'MidCompactLayer1Ran'; readonly messages_collapsed: number }
  | { readonly type: 'MidCompactLayer2Ran'; readonly messages_replaced: number }
  | { readonly type: 'AutoCompactSummarizerCalled'; readonly succeeded: boolean; readonly failure: string }
  | { readonly type: 'AutoCompactCircuitBreakerTripped'; readonly consecutive_failures: number }
  | { readonly type: 'CompactComplete'; readonly llm_succeeded: boolean; readonly messages_removed: number };

/**
 * An engine's promise about the session's next `beforeRequest` calls, so that the host may skip them (an
 * optimisation the engine opts into; an answer without a hint changes nothing). It covers a request that
 * continues the answered one (the same messages, then more) while every bound holds; the engine's answer to it
 * would be this answer's messages followed by the added ones, unchanged, with this answer's reports again. The
 * host then answers so itself and does not call the engine.
 *
 * The host counts, against the request the hint answered: the messages added, the tool results among them, and
 * their estimated tokens plus any decrease of `contextWindow`. The host's estimate of a message is at least one
 * token per 4 UTF-8 bytes of its content and of its tool calls' JSON arguments: an engine that estimates
 * otherwise converts conservatively (a message costing it twice as much as the host's estimate, say).
 *
 * The hint dies (the engine is called again) when a bound is exceeded, with `force`, when `compactThresholdRatio`
 * changes, when the host's own estimate passes the compaction threshold, and when the engine's session realm,
 * plugin instance or settings may have changed (reload, config change, a new snapshot). A malformed hint is
 * ignored (the host logs it) and the answer is used as it is.
 */
export interface ContextHint {
  /** Tokens (the host's estimate) the added messages may carry in all, window decreases included. */
  readonly addedTokens: number;
  /** Messages that may be added; no limit when absent. */
  readonly addedMessages?: number;
  /** Tool results among the added messages; no limit when absent. */
  readonly addedToolResults?: number;
}

export interface ContextResult {
  readonly request: ChatRequest;
  readonly reports?: readonly ContextReport[];
  /** See {@link ContextHint}: the engine's next calls in this session may be skipped while it holds. */
  readonly hint?: ContextHint;
  /**
   * The engine kept this session's messages (at most 128 characters naming them): the host may send the next
   * request of the session as `since` and the new messages only.
   */
  readonly state?: string;
  /**
   * Only in an answer to a `since` input: the answer's first `keep` messages are those of the engine's previous
   * answer in this session, and `request.messages` holds the rest.
   */
  readonly keep?: number;
}
