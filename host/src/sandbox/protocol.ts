/**
 * Messages between the host (supervisor) and a sandbox runner child process, sent over Node IPC as JSON.
 * Plugin values inside them are always JSON *strings* produced inside the sandbox, never objects, so that
 * nothing a plugin controls is structured-copied or parsed without a byte cap.
 */

export type EngineKind = 'isolate' | 'wasm';

/** Limits the runner enforces per plugin (already clamped by host ceilings). */
export interface RunnerLimits {
  readonly memoryMb: number;
  readonly cpuMsPerCall: number;
  readonly wallMsPerCall: number;
  readonly outputBytes: number;
  readonly concurrency: number;
  /** CPU the plugin's sandbox may use in any minute (calls, realm preparation, background work). */
  readonly cpuMsPerMinute?: number;
}

export interface LoadMessage {
  readonly t: 'load';
  /** Unique per loaded plugin version: `<id>@<version>#<n>`. */
  readonly pluginKey: string;
  readonly engine: EngineKind;
  /** Absolute path of the entry file (bundle or .wasm); the runner reads it itself. */
  readonly entryPath: string;
  readonly limits: RunnerLimits;
  /** isolate only: keep the WebAssembly global. */
  readonly webAssembly: boolean;
  /**
   * isolate only: the plugin may reach the network, so each realm evaluates URL while it is prepared (its
   * fetch needs it) rather than on the call's path.
   */
  readonly network?: boolean;
  /** isolate only: a V8 code cache produced by an earlier load of the same bytes (base64). */
  readonly codeCache?: string;
  /** isolate only: sha256 (hex) of the entry's bytes as the host read them; keys the code caches. */
  readonly entryHash?: string;
  /**
   * isolate only: the host's code cache file for `entryHash` (under its cache root, chosen by the host; it may
   * not exist yet). The runner reads and verifies it (code-cache.ts) unless it already holds that cache.
   */
  readonly codeCacheFile?: string;
}

export interface CallMessage {
  readonly t: 'call';
  readonly id: number;
  readonly pluginKey: string;
  /** JSON of the plugin-api `CallRequest`. */
  readonly request: string;
  /** The session the call serves: calls of one session may share a realm, calls of two sessions never do. */
  readonly session?: string;
}

export interface UnloadMessage {
  readonly t: 'unload';
  readonly pluginKey: string;
}

/** Reply to a capability request the runner forwarded. `response` is JSON of a `CapabilityResponse`. */
export interface CapabilityReplyMessage {
  readonly t: 'cap-reply';
  readonly capId: number;
  readonly response: string;
}

/** Cancels a call (its caller gave up or the host is shutting down). */
export interface CancelMessage {
  readonly t: 'cancel';
  readonly id: number;
}

export interface StatsRequestMessage {
  readonly t: 'stats';
}

export type HostToRunner =
  LoadMessage | CallMessage | UnloadMessage | CapabilityReplyMessage | CancelMessage | StatsRequestMessage;

/** A typed error as the runner reports it. */
export interface WireError {
  readonly code: string;
  readonly message: string;
  readonly details?: Readonly<Record<string, unknown>>;
}

export interface ReadyMessage {
  readonly t: 'ready';
  readonly pid: number;
}

export interface LoadedMessage {
  readonly t: 'loaded';
  readonly pluginKey: string;
  readonly ok: boolean;
  /** JSON of the plugin-api `PluginDescription` (when ok). */
  readonly description?: string;
  /** A fresh V8 code cache to keep for the next load (isolate, base64). */
  readonly codeCache?: string;
  readonly loadMs?: number;
  /**
   * Calls the plugin's memory holds at once, measured at load (isolate: every call runs in a realm of its
   * own in the plugin's heap); the host admits no more than this and its concurrency, and queues the rest.
   */
  readonly maxCalls?: number;
  readonly error?: WireError;
}

export interface ResultMessage {
  readonly t: 'result';
  readonly id: number;
  readonly ok: boolean;
  /** JSON of the plugin-api `CallResponse`, at most `outputBytes` long (when ok). */
  readonly response?: string;
  /** A sandbox-level failure: ROKU_SANDBOX_TIMEOUT, ROKU_SANDBOX_OOM, ROKU_SANDBOX_OUTPUT_TOO_LARGE, … */
  readonly error?: WireError;
  /** CPU time the call used, in milliseconds (isolate: from isolate.cpuTime). */
  readonly cpuMs?: number;
}

/** A capability request made by a plugin during call `callId`; `request` is JSON of a `CapabilityRequest`. */
export interface CapabilityMessage {
  readonly t: 'cap';
  readonly capId: number;
  readonly pluginKey: string;
  /** The runner call id during which the request was made; undefined during load. */
  readonly callId?: number;
  readonly request: string;
}

/**
 * A one-way capability request (`emit`, `log`): no reply goes back, so the plugin does not wait a round trip
 * per streamed delta or log line. The host handles it as it would the same request with a reply and keeps an
 * emit's failure for the call's result (see capabilities/broker.ts `handleOneWay`).
 */
export interface SendMessage {
  readonly t: 'send';
  readonly pluginKey: string;
  /** The runner call id during which the request was made; undefined outside a call. */
  readonly callId?: number;
  readonly request: string;
}

/** A plugin's sandbox was torn down (isolate disposed after OOM or watchdog); it must be loaded again. */
export interface DisposedMessage {
  readonly t: 'disposed';
  readonly pluginKey: string;
  readonly reason: WireError;
}

export interface StatsMessage {
  readonly t: 'stats';
  readonly rssBytes: number;
  readonly plugins: readonly {
    readonly pluginKey: string;
    readonly heapBytes: number;
    readonly cpuMs: number;
    /** Isolate plugins: entries into the isolate made on isolated-vm's threads, not the runner's. */
    readonly asyncEntries?: number;
  }[];
}

export type RunnerToHost =
  | ReadyMessage
  | LoadedMessage
  | ResultMessage
  | CapabilityMessage
  | SendMessage
  | DisposedMessage
  | StatsMessage;

/**
 * The name under which the runner process exposes V8's gc() (`--expose-gc-as`): the runner has V8 collect a
 * plugin's garbage from a context of its own (runner/heap-collector.ts). V8 puts it on every context's global as a
 * property that cannot be deleted; the prelude's boot empties it before any plugin code runs.
 */
export const RUNNER_GC_GLOBAL = '__roku_gc';

/** Largest capability request or reply, in bytes of JSON; larger ones are refused on either side. */
export const MAX_CAPABILITY_MESSAGE_BYTES = 8 * 1024 * 1024;
