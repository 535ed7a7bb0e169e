import { RokuError } from '@roku/schemas/errors';
import type { PluginContext } from './context.js';
import type {
  ChatRequest,
  ChatResponse,
  ContextInput,
  LiveModel,
  ContextResult,
  MemoryRecord,
  MemoryScope,
  ProviderErrorCode,
  SubagentTask,
} from './types.js';

/** A tool implementation; it must match a tool of the same name declared in the manifest. */
export interface ToolDefinition<I = unknown, O = unknown> {
  readonly name: string;
  readonly handler: (input: I, ctx: PluginContext) => O | Promise<O>;
}

/** An LLM provider: `chat` returns the whole response and may stream deltas with `ctx.emit`. */
export interface ProviderDefinition {
  readonly name: string;
  readonly chat: (request: ChatRequest, ctx: PluginContext) => ChatResponse | Promise<ChatResponse>;
  /**
   * Optional: the models the upstream offers now (e.g. from its `GET /models`), at most `input.limit`. The
   * host merges them with the manifest's list (the manifest wins on conflicts), caches the answer and falls
   * back to the manifest's list when this fails or returns something invalid.
   */
  readonly models?: (input: { limit: number }, ctx: PluginContext) => LiveModel[] | Promise<LiveModel[]>;
}

/**
 * The exclusive memory slot. Every op receives the session it acts for (`sessionId`, set by the host). The
 * host caps `limit` and validates what `recall` and `list` return.
 */
export interface MemorySlotDefinition {
  readonly name: string;
  readonly recall: (
    input: MemoryScope & { query: string; limit: number },
    ctx: PluginContext,
  ) => Promise<MemoryRecord[]> | MemoryRecord[];
  readonly write: (
    input: MemoryScope & { records: MemoryRecord[] },
    ctx: PluginContext,
  ) => Promise<void> | void;
  readonly forget?: (input: MemoryScope & { ids: string[] }, ctx: PluginContext) => Promise<void> | void;
  readonly list?: (
    input: MemoryScope & { limit: number },
    ctx: PluginContext,
  ) => Promise<MemoryRecord[]> | MemoryRecord[];
}

/**
 * The exclusive context engine. `beforeRequest` runs before every model request and may rewrite the messages
 * (clear old tool results, collapse old turns); `compact` runs on `/compact` and after the provider reports an
 * exceeded context window. Both return the request to send plus reports the host turns into loop events.
 * `beforeRequest` may add a `hint` (`ContextHint`) saying the session's next requests would come back
 * unchanged while they stay within bounds: the host then skips those calls.
 */
export interface ContextEngineDefinition {
  readonly name: string;
  readonly beforeRequest: (input: ContextInput, ctx: PluginContext) => ContextResult | Promise<ContextResult>;
  readonly compact?: (input: ContextInput, ctx: PluginContext) => ContextResult | Promise<ContextResult>;
}

export interface SubagentRuntimeDefinition {
  readonly name: string;
  readonly run: (task: SubagentTask, ctx: PluginContext) => Promise<string> | string;
}

/** A plugin's code: what it implements for the contributions its manifest declares. */
export interface PluginDefinition {
  /** Input is `never` so that tools with any concrete input type fit; the host validates inputs. */
  readonly tools?: readonly ToolDefinition<never>[];
  readonly providers?: readonly ProviderDefinition[];
  readonly memorySlot?: MemorySlotDefinition;
  readonly contextEngine?: ContextEngineDefinition;
  readonly subagentRuntimes?: readonly SubagentRuntimeDefinition[];
}

const LOCAL_NAME = /^[a-zA-Z][a-zA-Z0-9_-]{0,63}$/;

function invalid(message: string): never {
  throw new RokuError('ROKU_PLUGIN_DEFINITION_INVALID', message);
}

function checkNamed(kind: string, item: { name: string }, functions: readonly string[]): void {
  if (typeof item.name !== 'string' || !LOCAL_NAME.test(item.name)) {
    invalid(`${kind} name '${item.name}' must match ${LOCAL_NAME.source}`);
  }
  for (const fn of functions) {
    if (typeof (item as unknown as Record<string, unknown>)[fn] !== 'function') {
      invalid(`${kind} '${item.name}' has no ${fn} function`);
    }
  }
}

function checkUnique(kind: string, items: readonly { name: string }[]): void {
  const seen = new Set<string>();
  for (const { name } of items) {
    if (seen.has(name)) invalid(`${kind} '${name}' is defined twice`);
    seen.add(name);
  }
}

/**
 * Declares a tool implementation. Returns its input, typed, after checking its shape.
 *
 * @throws ROKU_PLUGIN_DEFINITION_INVALID when the name is not a valid tool name or the handler is missing.
 * @example
 * export const echo = defineTool({ name: 'echo', handler: (input: { text: string }) => ({ text: input.text }) });
 */
export function defineTool<I, O>(tool: ToolDefinition<I, O>): ToolDefinition<I, O> {
  checkNamed('tool', tool, ['handler']);
  return tool;
}

/** Declares an LLM provider. @throws ROKU_PLUGIN_DEFINITION_INVALID */
export function defineProvider(provider: ProviderDefinition): ProviderDefinition {
  checkNamed('provider', provider, ['chat']);
  if (provider.models !== undefined && typeof provider.models !== 'function') {
    invalid(`provider '${provider.name}' has a models entry that is not a function`);
  }
  return provider;
}

/** Declares a memory slot implementation. @throws ROKU_PLUGIN_DEFINITION_INVALID */
export function defineMemorySlot(slot: MemorySlotDefinition): MemorySlotDefinition {
  checkNamed('memory slot', slot, ['recall', 'write']);
  return slot;
}

/** Declares a context engine. @throws ROKU_PLUGIN_DEFINITION_INVALID */
export function defineContextEngine(engine: ContextEngineDefinition): ContextEngineDefinition {
  checkNamed('context engine', engine, ['beforeRequest']);
  return engine;
}

/** Declares a sub-agent runtime. @throws ROKU_PLUGIN_DEFINITION_INVALID */
export function defineSubagentRuntime(runtime: SubagentRuntimeDefinition): SubagentRuntimeDefinition {
  checkNamed('subagent runtime', runtime, ['run']);
  return runtime;
}

/**
 * Declares a plugin. Returns its input, typed, after checking every part and that names are unique.
 *
 * @throws ROKU_PLUGIN_DEFINITION_INVALID
 */
export function definePlugin<P extends PluginDefinition>(plugin: P): P {
  const tools = plugin.tools ?? [];
  const providers = plugin.providers ?? [];
  const runtimes = plugin.subagentRuntimes ?? [];
  tools.forEach((t) => defineTool(t));
  providers.forEach((p) => defineProvider(p));
  runtimes.forEach((r) => defineSubagentRuntime(r));
  if (plugin.memorySlot !== undefined) defineMemorySlot(plugin.memorySlot);
  if (plugin.contextEngine !== undefined) defineContextEngine(plugin.contextEngine);
  checkUnique('tool', tools);
  checkUnique('provider', providers);
  checkUnique('subagent runtime', runtimes);
  return plugin;
}

/** An error a provider throws so that the host's router knows whether to retry, fail over or give up. */
export class ProviderError extends Error {
  readonly code: ProviderErrorCode;
  /** From a Retry-After header; the host waits this long (capped) before the next attempt. */
  readonly retryAfterMs: number | undefined;

  constructor(code: ProviderErrorCode, message: string, options: { retryAfterMs?: number } = {}) {
    super(message);
    this.name = 'ProviderError';
    this.code = code;
    this.retryAfterMs = options.retryAfterMs;
  }
}

/** Maps an upstream HTTP status to the provider error code the router understands. */
export function providerErrorCodeForStatus(status: number): ProviderErrorCode {
  if (status === 429) return 'PROVIDER_RATE_LIMIT';
  if (status === 401 || status === 403) return 'PROVIDER_AUTH_FAILED';
  if (status === 402) return 'PROVIDER_QUOTA_EXCEEDED';
  if (status === 408) return 'PROVIDER_TIMEOUT';
  if (status === 413) return 'PROVIDER_CONTEXT_WINDOW_EXCEEDED';
  if (status === 503 || status === 529) return 'PROVIDER_OVERLOADED';
  if (status >= 500) return 'PROVIDER_SERVER_ERROR';
  if (status >= 400) return 'PROVIDER_INVALID_REQUEST';
  return 'PROVIDER_FATAL';
}
