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

/**
 * One invocation. `op` names the contribution and method:
 * - `tool:<name>`                      input: the tool's arguments
 * - `provider:<name>:chat`             input: ChatRequest; may emit ChatStreamEvent via `emit`
 * - `memory:<method>`                  method: recall | write | forget | list
 * - `context:<hook>`                   hook: beforeRequest | compact
 * - `subagent:<name>:run`              input: SubagentTask
 */
export interface CallRequest {
  readonly op: string;
  readonly input: unknown;
  /** Plugin settings from the host config, validated against the manifest's configSchema. */
  readonly config: unknown;
  /** Call id, for logs and for capability requests made during the call. */
  readonly callId: string;
}

/** The JSON a plugin returns for a call: a value, or an error it raised on purpose. */
export type CallResponse =
  | { readonly ok: true; readonly value: unknown }
  | { readonly ok: false; readonly error: { readonly code: string; readonly message: string } };

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
    };
    result: {
      streamId: string;
      status: number;
      statusText: string;
      headers: [string, string][];
      url: string;
      redirected: boolean;
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
  'env.get': { args: { name: string }; result: { value: string | null } };
  'llm.chat': { args: { request: unknown }; result: { response: unknown } };
  'memory.recall': { args: { query: string; limit: number }; result: { records: unknown[] } };
  'memory.write': { args: { records: unknown[] }; result: null };
  'tools.invoke': { args: { name: string; input: unknown }; result: { output: unknown } };
  'subagent.run': { args: { task: string; runtime?: string }; result: { output: string } };
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
