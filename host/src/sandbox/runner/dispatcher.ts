/**
 * The runner's message handling, independent of the process plumbing in main.ts: routes host messages to
 * the engine that owns each plugin and turns engine outcomes into protocol messages. Nothing a plugin does
 * may throw out of here; every load gets one `loaded`, every call one `result`.
 */
import type {
  CallMessage,
  EngineKind,
  HostToRunner,
  LoadMessage,
  RunnerToHost,
  StatsMessage,
  WireError,
} from '../protocol.js';
import { MAX_CAPABILITY_MESSAGE_BYTES } from '../protocol.js';
import { CapabilityClient } from './capability-client.js';
import { toWireError, wireError } from './engine.js';
import type { CallOutcome, Engine, EngineDeps, PluginStats } from './engine.js';

/** How many disposed plugin keys are remembered to explain later calls to them. */
const MAX_TOMBSTONES = 1000;

export type EngineFactory = (deps: EngineDeps) => Engine;

export interface DispatcherOptions {
  readonly send: (msg: RunnerToHost) => void;
  readonly engines: Readonly<Record<EngineKind, EngineFactory>>;
}

export class Dispatcher {
  readonly #send: (msg: RunnerToHost) => void;
  readonly #factories: Readonly<Record<EngineKind, EngineFactory>>;
  readonly #engines = new Map<EngineKind, Engine>();
  readonly #caps: CapabilityClient;
  readonly #deps: EngineDeps;
  /** Which engine holds each loaded plugin, and each in-flight call (for cancel). */
  readonly #owners = new Map<string, Engine>();
  readonly #calls = new Map<number, Engine>();
  /** Why recently disposed plugins went away, until they are loaded again. */
  readonly #tombstones = new Map<string, WireError>();

  constructor(options: DispatcherOptions) {
    this.#send = options.send;
    this.#factories = options.engines;
    this.#caps = new CapabilityClient(options.send);
    this.#deps = {
      requestCapability: (pluginKey, callId, requestJson) =>
        this.#caps.request(pluginKey, callId, requestJson),
      sendOneWay: (pluginKey, callId, requestJson) => {
        // the prelude refuses larger ones before they leave the isolate; this is the runner's own check
        if (requestJson.length > MAX_CAPABILITY_MESSAGE_BYTES) return false;
        this.#send(
          callId === undefined
            ? { t: 'send', pluginKey, request: requestJson }
            : { t: 'send', pluginKey, callId, request: requestJson },
        );
        return true;
      },
      onDisposed: (pluginKey, reason) => {
        this.#owners.delete(pluginKey);
        this.#remember(pluginKey, reason);
        this.#caps.dropPlugin(pluginKey);
        this.#send({ t: 'disposed', pluginKey, reason });
      },
    };
  }

  /** Handles one message from the host; malformed messages are ignored (the host is trusted, not the wire). */
  handle(msg: HostToRunner): void {
    switch (msg.t) {
      case 'load':
        void this.#load(msg);
        return;
      case 'call':
        this.#call(msg);
        return;
      case 'unload': {
        const engine = this.#owners.get(msg.pluginKey);
        this.#owners.delete(msg.pluginKey);
        this.#tombstones.delete(msg.pluginKey);
        engine?.unload(msg.pluginKey);
        this.#caps.dropPlugin(msg.pluginKey);
        return;
      }
      case 'cap-reply':
        this.#caps.reply(msg);
        return;
      case 'cancel':
        this.#calls.get(msg.id)?.cancel(msg.id);
        return;
      case 'stats':
        this.#send(this.#stats());
        return;
    }
  }

  async #load(msg: LoadMessage): Promise<void> {
    try {
      const previous = this.#owners.get(msg.pluginKey);
      this.#owners.delete(msg.pluginKey);
      this.#tombstones.delete(msg.pluginKey);
      previous?.unload(msg.pluginKey);
      const engine = this.#engine(msg.engine);
      const outcome = await engine.load(msg);
      this.#owners.set(msg.pluginKey, engine);
      this.#send({
        t: 'loaded',
        pluginKey: msg.pluginKey,
        ok: true,
        description: outcome.description,
        loadMs: outcome.loadMs,
        ...(outcome.codeCache === undefined ? {} : { codeCache: outcome.codeCache }),
        ...(outcome.maxCalls === undefined ? {} : { maxCalls: outcome.maxCalls }),
      });
    } catch (e) {
      this.#send({
        t: 'loaded',
        pluginKey: msg.pluginKey,
        ok: false,
        error: toWireError(e, 'ROKU_SANDBOX_LOAD_FAILED'),
      });
    }
  }

  #call(msg: CallMessage): void {
    const engine = this.#owners.get(msg.pluginKey);
    if (engine === undefined) {
      const reason = this.#tombstones.get(msg.pluginKey);
      // `notRun`: the plugin never saw this call, so the host may load it again and resend.
      const error =
        reason === undefined
          ? wireError('ROKU_SANDBOX_UNLOADED', `${msg.pluginKey} is not loaded`, {
              pluginKey: msg.pluginKey,
              notRun: true,
            })
          : wireError(
              'ROKU_SANDBOX_UNLOADED',
              `${msg.pluginKey} was disposed (${reason.code}); load it again`,
              {
                pluginKey: msg.pluginKey,
                reason,
                notRun: true,
              },
            );
      this.#send({ t: 'result', id: msg.id, ok: false, error });
      return;
    }
    this.#calls.set(msg.id, engine);
    let outcome: CallOutcome | Promise<CallOutcome>;
    try {
      outcome = engine.call(msg.pluginKey, msg.id, msg.request, msg.session);
    } catch (e) {
      this.#answer(msg.id, crashed(e));
      return;
    }
    // a call that ended synchronously is answered before the next message is read
    if (!(outcome instanceof Promise)) {
      this.#answer(msg.id, outcome);
      return;
    }
    outcome.then(
      (done) => {
        this.#answer(msg.id, done);
      },
      (e: unknown) => {
        this.#answer(msg.id, crashed(e));
      },
    );
  }

  #answer(id: number, outcome: CallOutcome): void {
    this.#calls.delete(id);
    try {
      this.#send(
        outcome.ok
          ? { t: 'result', id, ok: true, response: outcome.response, cpuMs: outcome.cpuMs }
          : {
              t: 'result',
              id,
              ok: false,
              error: outcome.error,
              ...(outcome.cpuMs === undefined ? {} : { cpuMs: outcome.cpuMs }),
            },
      );
    } catch (e) {
      // still one answer per call, and nothing thrown back into the message loop
      if (outcome.ok || outcome.error.code !== 'ROKU_SANDBOX_CRASHED') this.#answer(id, crashed(e));
    }
  }

  #remember(pluginKey: string, reason: WireError): void {
    this.#tombstones.set(pluginKey, reason);
    if (this.#tombstones.size > MAX_TOMBSTONES) {
      const oldest = this.#tombstones.keys().next();
      if (oldest.done !== true) this.#tombstones.delete(oldest.value);
    }
  }

  #engine(kind: EngineKind): Engine {
    let engine = this.#engines.get(kind);
    if (engine === undefined) {
      engine = this.#factories[kind](this.#deps);
      this.#engines.set(kind, engine);
    }
    return engine;
  }

  #stats(): StatsMessage {
    const plugins: PluginStats[] = [];
    for (const engine of this.#engines.values()) {
      try {
        plugins.push(...engine.stats());
      } catch {
        // stats are best effort
      }
    }
    return { t: 'stats', rssBytes: process.memoryUsage.rss(), plugins };
  }
}

/** An engine bug, not a plugin fault; the call is still answered. */
function crashed(e: unknown): CallOutcome {
  return { ok: false, error: toWireError(e, 'ROKU_SANDBOX_CRASHED') };
}
