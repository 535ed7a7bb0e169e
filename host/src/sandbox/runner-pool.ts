import { RokuError } from '@roku/schemas';
import type { Logger } from 'pino';
import type { SandboxCeilings } from './limits.js';
import type { CallScope, CapabilityHandler, LoadedSandbox } from './loaded-sandbox.js';
import type { SandboxMetrics } from './metrics.js';
import type { EngineKind } from './protocol.js';
import { RunnerProcess } from './runner-process.js';

/** The runners, one per engine, and what they need to route capability requests back to plugins. */
export interface RunnerPool {
  readonly runners: Map<EngineKind, RunnerProcess>;
  /** Loaded sandboxes by plugin key. */
  readonly sandboxes: Map<string, LoadedSandbox>;
  /** Calls in flight by runner call id, with the scope their capability requests belong to. */
  readonly scopes: Map<number, { scope: CallScope; handler: CapabilityHandler }>;
  /** The engine's runner, started on first use. */
  runnerFor(engine: EngineKind): RunnerProcess;
  /** Loads the plugin into its runner; returns the description JSON the plugin gave. */
  loadInto(sandbox: LoadedSandbox): Promise<string | undefined>;
}

export interface RunnerPoolOptions {
  readonly ceilings: SandboxCeilings;
  readonly log: Logger;
  readonly metrics: SandboxMetrics | undefined;
}

function startRunner(engine: EngineKind, pool: RunnerPool, options: RunnerPoolOptions): RunnerProcess {
  const { log, metrics } = options;
  return new RunnerProcess({
    engine,
    memoryMb: options.ceilings.runnerMemoryMb,
    logger: log,
    onCapability: async (message) => {
      const active = message.callId === undefined ? undefined : pool.scopes.get(message.callId);
      const handler = active?.handler ?? pool.sandboxes.get(message.pluginKey)?.handler;
      if (handler === undefined) {
        return JSON.stringify({
          ok: false,
          error: { code: 'ROKU_SANDBOX_UNLOADED', message: 'plugin is not loaded' },
        });
      }
      return handler.handle(message.request, active?.scope ?? { callId: `load:${message.pluginKey}` });
    },
    onDisposed: (message) => {
      const sandbox = pool.sandboxes.get(message.pluginKey);
      if (sandbox !== undefined) sandbox.disposed = true;
      log.warn({ pluginKey: message.pluginKey, reason: message.reason }, 'plugin sandbox disposed');
    },
    onExit: (exit) => {
      if (exit.reason === 'stopped') return;
      if (exit.reason === 'recycled') {
        metrics?.runnerRestarts.inc({ engine: exit.engine, reason: exit.reason });
        return;
      }
      metrics?.runnerRestarts.inc({ engine: exit.engine, reason: exit.reason });
      log.error(
        { engine: exit.engine, reason: exit.reason, signal: exit.signal, suspects: exit.inFlight },
        'runner died',
      );
    },
  });
}

/** One supervised runner process per engine, shared by that engine's plugins; plugins are loaded into it. */
export function createRunnerPool(options: RunnerPoolOptions): RunnerPool {
  const codeCaches = new Map<string, string>();
  const pool: RunnerPool = {
    runners: new Map(),
    sandboxes: new Map(),
    scopes: new Map(),
    runnerFor(engine) {
      const existing = pool.runners.get(engine);
      if (existing !== undefined) return existing;
      const runner = startRunner(engine, pool, options);
      pool.runners.set(engine, runner);
      return runner;
    },
    async loadInto(sandbox) {
      const runner = pool.runnerFor(sandbox.engine);
      const started = performance.now();
      const codeCache = codeCaches.get(sandbox.entryHash);
      const reply = await runner.load({
        t: 'load',
        pluginKey: sandbox.pluginKey,
        engine: sandbox.engine,
        entryPath: sandbox.entryPath,
        limits: sandbox.limits,
        webAssembly: sandbox.manifest.runtime.webAssembly === true,
        ...(codeCache === undefined ? {} : { codeCache }),
      });
      if (!reply.ok) {
        const id = `${sandbox.manifest.id}@${sandbox.manifest.version}`;
        throw new RokuError('ROKU_SANDBOX_LOAD_FAILED', `${id}: ${reply.error?.message ?? 'load failed'}`, {
          details: { pluginId: sandbox.manifest.id, cause: reply.error ?? null },
        });
      }
      // Capability requests made while the plugin's top-level code ran count as one call of their own.
      sandbox.handler.endCall(`load:${sandbox.pluginKey}`);
      if (reply.codeCache !== undefined) codeCaches.set(sandbox.entryHash, reply.codeCache);
      options.metrics?.loadMs.observe({ engine: sandbox.engine }, (performance.now() - started) / 1000);
      sandbox.generation = runner.generation;
      sandbox.disposed = false;
      return reply.description;
    },
  };
  return pool;
}
