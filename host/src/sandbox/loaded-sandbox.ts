import { randomBytes } from 'node:crypto';
import { RokuError, dynamicErrorCode, isRokuError, parsePluginOp } from '@roku/schemas';
import type { PluginManifest } from '@roku/schemas';
import type { PluginDescription } from '@roku/schemas';
import type { Flight } from './call-dispatch.js';
import { CallQueue } from './call-queue.js';
import { unknownOp } from './known-ops.js';
import type { EngineKind, ResultMessage, RunnerLimits, WireError } from './protocol.js';
import type { RunnerProcess } from './runner-process.js';
import type { PlainJson } from './safe-json.js';
import { parseSandboxJson } from './safe-json.js';
import type { ToolValidators } from './tool-schemas.js';
import { firstSchemaError } from './tool-schemas.js';

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** Largest call input, serialized. */
export const MAX_INPUT_BYTES = 8 * 1024 * 1024;

/** What the host answers capability requests with; one per loaded plugin. */
export interface CapabilityHandler {
  handle(requestJson: string, scope: CallScope): Promise<string>;
  /** A request sent without waiting for a reply (emit, log); returns why it failed, if it did. */
  handleOneWay(requestJson: string, scope: CallScope): WireError | undefined;
  endCall(callId: string): void;
  close(): Promise<void>;
}

export interface CallScope {
  readonly callId: string;
  readonly signal?: AbortSignal;
  readonly emit?: (event: unknown) => void;
  /** Opaque to the sandbox: who the call is made for (the agent run), handed to host services. */
  readonly context?: unknown;
  /** Runs once, after the plugin is loaded and just before the call is first sent (see CallOptions). */
  readonly beforeSend?: () => void;
  /** See CallOptions.session. */
  readonly session?: string;
}

export interface CallOptions {
  /** The plugin's settings (validated against its configSchema by the caller). */
  readonly config?: unknown;
  readonly signal?: AbortSignal;
  /** Receives what the plugin emits during the call (e.g. streamed text deltas). */
  readonly onEvent?: (event: unknown) => void;
  /** Passed to host services (llm, memory, tools, subagents) the plugin calls during this call. */
  readonly context?: unknown;
  /**
   * Runs once the plugin is loaded, just before the call is sent (e.g. to claim an approved call then, not
   * earlier); if it throws, the call is not sent and the error is thrown as is.
   */
  readonly beforeSend?: () => void;
  /**
   * The session the call serves. An isolate plugin's calls of one session may run in the same realm, so
   * what one call leaves (caches, clients) is there for the next; calls of different sessions, and calls
   * without a session, never share one.
   */
  readonly session?: string;
}

/** A loaded plugin version in its sandbox. The same interface for both engines. */
export interface Sandbox {
  readonly pluginKey: string;
  readonly manifest: PluginManifest;
  readonly engine: EngineKind;
  readonly description: PluginDescription;
  readonly limits: RunnerLimits;
  /**
   * Calls that run at once: `limits.concurrency`, or fewer when the plugin's memory holds fewer (measured when
   * it loads: an isolate runs each call in a realm of its own). Calls over it wait in the queue.
   */
  readonly concurrency: number;
  /** Why `concurrency` is below `limits.concurrency` (the plugin's memory), naming what to raise; if it is. */
  readonly concurrencyBound?: string | undefined;
  /** Calls currently running. */
  readonly inFlight: number;
  /** Calls waiting for one of the plugin's concurrency slots. */
  readonly queued: number;
  /**
   * Calls an operation (`tool:<name>`, `provider:<name>:chat`, …, see the ABI's `PluginOps`) and resolves to
   * the plugin's value as null-prototype JSON. The host's callers go through `callPlugin`, which types the op
   * and checks the answer.
   *
   * Calls over the plugin's concurrency wait in a fair, bounded queue; the wait counts toward the call's
   * wall-clock limit, and the call settles by then whatever its runner does. A call refused because the plugin
   * used up its CPU per minute waits for the window to refill when its deadline leaves time for that.
   *
   * @throws ROKU_PLUGIN_FAILED, ROKU_SANDBOX_TIMEOUT, ROKU_SANDBOX_OOM, ROKU_SANDBOX_CRASHED,
   *   ROKU_SANDBOX_OUTPUT_TOO_LARGE, ROKU_SANDBOX_BAD_OUTPUT, ROKU_SANDBOX_QUEUE_FULL,
   *   ROKU_SANDBOX_QUARANTINED, ROKU_SANDBOX_REVOKED, ROKU_TOOL_OUTPUT_INVALID,
   *   ROKU_CAPABILITY_BAD_REQUEST (tool input fails its schema)
   */
  call(op: string, input: unknown, options?: CallOptions): Promise<PlainJson>;
  dispose(): Promise<void>;
}

/** What a loaded sandbox needs from its manager. */
export interface SandboxHost {
  /**
   * Runs the call: waits for a concurrency slot, (re)loads the plugin, sends the call, sends it again after a
   * runner restart when that is safe, and settles by the call's deadline; the scope is registered for
   * capability requests during the call.
   */
  dispatch(sandbox: LoadedSandbox, request: string, scope: CallScope): Promise<ResultMessage>;
  /** Records a failure (metrics, quarantine) and returns the error to throw. */
  failed(sandbox: LoadedSandbox, op: string, error: RokuError): RokuError;
  /** Throws ROKU_SANDBOX_QUARANTINED if the plugin is quarantined. */
  checkQuarantine(manifest: PluginManifest): void;
  succeeded(sandbox: LoadedSandbox, op: string, millis: number, cpuMs: number | undefined): void;
  unload(sandbox: LoadedSandbox): Promise<void>;
}

export class LoadedSandbox implements Sandbox {
  readonly engine: EngineKind;
  description: PluginDescription = {
    abi: 1,
    tools: [],
    providers: [],
    memorySlot: null,
    contextEngine: null,
    subagentRuntimes: [],
  };
  /**
   * The runners the plugin is loaded in, each with the runner generation it was loaded into (a runner that
   * restarted since, or that disposed the plugin, no longer counts).
   */
  readonly loadedIn = new Map<RunnerProcess, number>();
  /** Calls admitted and not yet answered (queued, loading or running). */
  readonly flights = new Set<Flight>();
  readonly queue: CallQueue;
  /** Why the plugin may no longer run (disabled, uninstalled, unloaded): every call fails with it. */
  revoked: RokuError | undefined;
  /**
   * Call ids are this sandbox's random prefix and a counter: unique, cheaper than a UUID per call, and telling
   * the plugin nothing about other plugins' calls.
   */
  readonly #callIdPrefix = `${randomBytes(9).toString('base64url')}-`;
  #calls = 0;
  /** Ops the manifest declares, checked once each (a finite set: only ops that passed are kept). */
  readonly #knownOps = new Map<string, { readonly tool: ToolValidators | undefined }>();

  constructor(
    readonly pluginKey: string,
    readonly manifest: PluginManifest,
    readonly limits: RunnerLimits,
    readonly entryPath: string,
    readonly entryHash: string,
    readonly handler: CapabilityHandler,
    readonly validators: ReadonlyMap<string, ToolValidators>,
    readonly host: SandboxHost,
    maxQueuedCalls: number,
    /** The manifest or the user's grants name network origins: the plugin may fetch. */
    readonly mayFetch = false,
  ) {
    this.engine = manifest.runtime.type;
    this.queue = new CallQueue(`${manifest.id}@${manifest.version}`, limits.concurrency, maxQueuedCalls);
  }

  get inFlight(): number {
    return this.queue.running;
  }

  get queued(): number {
    return this.queue.queued;
  }

  /**
   * The limits the runner enforces. The host keeps the concurrency (its queue admits calls); the runner's
   * own bound is a backstop with room for cancelled calls it is still winding down.
   */
  get runnerLimits(): RunnerLimits {
    return { ...this.limits, concurrency: this.limits.concurrency * 2 };
  }

  get concurrency(): number {
    return this.queue.limit;
  }

  get concurrencyBound(): string | undefined {
    return this.queue.bound;
  }

  /**
   * The runner measured that the plugin's memory holds `maxCalls` calls at once: admits no more than that, so
   * that many sessions at once queue instead of driving the plugin into its memory limit.
   */
  fitMemory(maxCalls: number): void {
    if (!Number.isSafeInteger(maxCalls) || maxCalls < 1) return;
    const { concurrency, memoryMb } = this.limits;
    if (maxCalls >= concurrency) this.queue.setLimit(concurrency);
    else {
      this.queue.setLimit(
        maxCalls,
        `its ${memoryMb} MB of memory hold ${maxCalls} calls at once: raise plugins.grants["${this.manifest.id}"].limits.memoryMb for more`,
      );
    }
  }

  /** Ends every call of this plugin with `error` now (queued, loading or running) and refuses later ones. */
  revoke(error: RokuError): void {
    this.revoked ??= error;
    this.queue.close(error);
    for (const flight of [...this.flights]) flight.fail(error);
  }

  async call(op: string, input: unknown, options: CallOptions = {}): Promise<PlainJson> {
    const { manifest } = this;
    let known = this.#knownOps.get(op);
    if (known === undefined) {
      const parsed = parsePluginOp(op);
      const unknown = unknownOp(manifest, op, parsed);
      if (unknown !== undefined) {
        throw new RokuError('ROKU_SANDBOX_UNKNOWN_OP', `${manifest.id}@${manifest.version}: ${unknown}`, {
          details: { pluginId: manifest.id, op },
        });
      }
      known = { tool: parsed?.kind === 'tool' ? this.validators.get(parsed.name ?? '') : undefined };
      this.#knownOps.set(op, known);
    }
    this.host.checkQuarantine(manifest);
    const { tool } = known;
    if (tool?.input !== undefined && !tool.input(input)) {
      throw new RokuError(
        'ROKU_CAPABILITY_BAD_REQUEST',
        `${manifest.id} ${op}: input does not match the tool's inputSchema: ${firstSchemaError(tool.input)}`,
      );
    }
    if (this.revoked !== undefined) throw this.revoked;
    const callId = `${this.#callIdPrefix}${(++this.#calls).toString(36)}`;
    // `events` tells the plugin whether anything takes what it emits, so it may send events without a reply
    const events = options.onEvent !== undefined;
    const request = JSON.stringify({ op, input, config: options.config ?? null, callId, events });
    // UTF-8 takes at most 3 bytes per UTF-16 unit: only a long request needs counting
    if (request.length * 3 > MAX_INPUT_BYTES && Buffer.byteLength(request) > MAX_INPUT_BYTES) {
      throw new RokuError(
        'ROKU_CAPABILITY_LIMIT',
        `${manifest.id} ${op}: input exceeds ${MAX_INPUT_BYTES} bytes`,
      );
    }
    const started = performance.now();
    // An error of the caller's beforeSend is the caller's (a claim refused), not the plugin's failure.
    const claim: { failed: boolean; error?: unknown } = { failed: false };
    const beforeSend = options.beforeSend;
    const scope: Mutable<CallScope> = { callId };
    if (options.signal !== undefined) scope.signal = options.signal;
    if (options.onEvent !== undefined) scope.emit = options.onEvent;
    if (options.context !== undefined) scope.context = options.context;
    if (options.session !== undefined) scope.session = options.session;
    if (beforeSend !== undefined) {
      scope.beforeSend = () => {
        try {
          beforeSend();
        } catch (err) {
          claim.failed = true;
          claim.error = err;
          throw err;
        }
      };
    }
    try {
      let result: ResultMessage;
      try {
        result = await this.host.dispatch(this, request, scope);
      } catch (err) {
        if (claim.failed) throw claim.error;
        const wire = isRokuError(err) ? err : { code: 'ROKU_SANDBOX_CRASHED', message: String(err) };
        throw this.host.failed(
          this,
          op,
          new RokuError(
            dynamicErrorCode(wire.code),
            wire.message,
            wire.details === undefined ? {} : { details: wire.details },
          ),
        );
      }
      if (!result.ok) {
        const wire = result.error ?? { code: 'ROKU_SANDBOX_CRASHED', message: 'the runner gave no error' };
        throw this.host.failed(
          this,
          op,
          new RokuError(
            dynamicErrorCode(wire.code),
            wire.message,
            wire.details === undefined ? {} : { details: wire.details },
          ),
        );
      }
      const value = this.#unwrap(op, result.response);
      if (tool?.output !== undefined && !tool.output(value)) {
        throw this.host.failed(
          this,
          op,
          new RokuError(
            'ROKU_TOOL_OUTPUT_INVALID',
            `result does not match the tool's outputSchema: ${firstSchemaError(tool.output)}`,
          ),
        );
      }
      this.host.succeeded(this, op, performance.now() - started, result.cpuMs);
      return value;
    } finally {
      this.handler.endCall(callId);
    }
  }

  /** Parses the plugin's CallResponse; a plugin's own error becomes ROKU_PLUGIN_FAILED with its code. */
  #unwrap(op: string, response: string | undefined): PlainJson {
    let parsed: PlainJson;
    try {
      parsed = parseSandboxJson(response, this.limits.outputBytes, 'result');
    } catch (err) {
      throw this.host.failed(this, op, err as RokuError);
    }
    if (
      typeof parsed !== 'object' ||
      parsed === null ||
      Array.isArray(parsed) ||
      typeof parsed.ok !== 'boolean'
    ) {
      throw this.host.failed(
        this,
        op,
        new RokuError('ROKU_SANDBOX_BAD_OUTPUT', 'result is not a CallResponse object'),
      );
    }
    if (parsed.ok) return parsed.value ?? null;
    const error = parsed.error;
    const pluginCode =
      typeof error === 'object' && error !== null && !Array.isArray(error) && typeof error.code === 'string'
        ? error.code
        : 'PLUGIN_ERROR';
    const message =
      typeof error === 'object' &&
      error !== null &&
      !Array.isArray(error) &&
      typeof error.message === 'string'
        ? error.message
        : 'plugin error';
    const rawRetry =
      typeof error === 'object' && error !== null && !Array.isArray(error) ? error.retryAfterMs : undefined;
    // A plugin-supplied delay is only a hint: finite, non-negative, at most an hour.
    const retryAfterMs =
      typeof rawRetry === 'number' && Number.isFinite(rawRetry) && rawRetry >= 0
        ? Math.min(rawRetry, 3_600_000)
        : undefined;
    // Where the plugin says it threw in its bundle: only two small integers pass (an author's source map uses them).
    const bundleAt =
      typeof error === 'object' && error !== null && !Array.isArray(error) ? bundlePosition(error) : {};
    throw this.host.failed(
      this,
      op,
      new RokuError('ROKU_PLUGIN_FAILED', message.slice(0, 4096), {
        details: {
          pluginCode: pluginCode.slice(0, 128),
          ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
          ...bundleAt,
        },
      }),
    );
  }

  dispose(): Promise<void> {
    return this.host.unload(this);
  }
}

function bundlePosition(error: { bundleLine?: unknown; bundleColumn?: unknown }): {
  bundleLine?: number;
  bundleColumn?: number;
} {
  const { bundleLine, bundleColumn } = error;
  const ok = (n: unknown): n is number =>
    Number.isSafeInteger(n) && (n as number) > 0 && (n as number) < 2 ** 31;
  return ok(bundleLine) && ok(bundleColumn) ? { bundleLine, bundleColumn } : {};
}
