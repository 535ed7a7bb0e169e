/**
 * The seam between the runner's message loop (main.ts) and a sandbox engine (isolates, wasm). An engine owns
 * the plugins loaded into it; main.ts routes each message to the engine that loaded the plugin.
 */
import { RokuError, isRokuError } from '@roku/schemas/errors';
import type { LoadMessage, WireError } from '../protocol.js';
import type { HostErrorCode } from '../../errors.js';

/** What a successful load reports back (becomes the `loaded` message). */
export interface LoadOutcome {
  /** JSON of the plugin's PluginDescription. */
  readonly description: string;
  /** A freshly produced code cache (base64), when the engine made one. */
  readonly codeCache?: string;
  readonly loadMs: number;
  /** Calls the plugin's memory holds at once, as measured at load (isolate); the host admits no more. */
  readonly maxCalls?: number;
}

/** How one call ended (becomes the `result` message). */
export type CallOutcome =
  | { readonly ok: true; readonly response: string; readonly cpuMs: number }
  | { readonly ok: false; readonly error: WireError; readonly cpuMs?: number };

export interface PluginStats {
  readonly pluginKey: string;
  readonly heapBytes: number;
  readonly cpuMs: number;
  /** Isolate plugins: entries into the isolate made on isolated-vm's threads (see IsolateActivity). */
  readonly asyncEntries?: number;
}

/** Sends a capability request for a plugin and resolves with the CapabilityResponse JSON; never rejects. */
export type CapabilityRequester = (
  pluginKey: string,
  callId: number | undefined,
  requestJson: string,
) => Promise<string>;

/** What the runner gives every engine. */
export interface EngineDeps {
  readonly requestCapability: CapabilityRequester;
  /** Forwards a one-way capability request (no reply); false when it was refused (too large). */
  readonly sendOneWay: (pluginKey: string, callId: number | undefined, requestJson: string) => boolean;
  /** The engine tore a plugin's sandbox down on its own (OOM, watchdog); main.ts sends `disposed`. */
  readonly onDisposed: (pluginKey: string, reason: WireError) => void;
}

export interface Engine {
  /** Loads a plugin and describes it. @throws RokuError ROKU_SANDBOX_LOAD_FAILED */
  load(msg: LoadMessage): Promise<LoadOutcome>;
  /**
   * Runs one call: its outcome at once when it ended synchronously, else a promise that resolves exactly once;
   * a sandbox error instead of throwing.
   */
  call(
    pluginKey: string,
    id: number,
    requestJson: string,
    session?: string,
  ): CallOutcome | Promise<CallOutcome>;
  /** Ends a call early with ROKU_SANDBOX_UNLOADED; false when the engine does not know the call. */
  cancel(id: number): boolean;
  /** Disposes the plugin; its in-flight calls end with ROKU_SANDBOX_UNLOADED. False when unknown. */
  unload(pluginKey: string): boolean;
  stats(): PluginStats[];
}

/** A typed wire error with a host error code. */
export function wireError(
  code: HostErrorCode,
  message: string,
  details?: Readonly<Record<string, unknown>>,
): WireError {
  return details === undefined ? { code, message } : { code, message, details };
}

/** Converts anything caught in the runner into a wire error, keeping Roku codes. */
export function toWireError(e: unknown, fallback: HostErrorCode): WireError {
  if (isRokuError(e))
    return e.details === undefined
      ? { code: e.code, message: e.message }
      : { code: e.code, message: e.message, details: e.details };
  return { code: fallback, message: e instanceof Error ? e.message : String(e) };
}

export function loadFailed(message: string, details?: Readonly<Record<string, unknown>>): RokuError {
  return new RokuError('ROKU_SANDBOX_LOAD_FAILED', message, details === undefined ? {} : { details });
}
