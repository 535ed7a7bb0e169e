import { createCodeCacheStore } from './code-cache.js';
import { RokuError } from '@roku/schemas';
import type { Logger } from 'pino';
import { DeadlineSweep } from './deadline-sweep.js';
import type { SandboxCeilings } from './limits.js';
import type { CallScope, CapabilityHandler, LoadedSandbox } from './loaded-sandbox.js';
import type { SandboxMetrics } from './metrics.js';
import { runnerGroup } from './runner-group.js';
import type { RunnerIsolation } from './runner-group.js';
import { RunnerProcess } from './runner-process.js';

/** A call in flight: the scope its capability requests belong to, and how many it made (retry safety). */
export interface ActiveCall {
  readonly scope: CallScope;
  readonly handler: CapabilityHandler;
  capabilityRequests: number;
}

/** The runners, one per engine and trust group, and what they need to route capability requests back. */
export interface RunnerPool {
  /** Runners by group key (`<engine>:<publisher or plugin id>`). */
  readonly runners: Map<string, RunnerProcess>;
  /** Loaded sandboxes by plugin key. */
  readonly sandboxes: Map<string, LoadedSandbox>;
  /** Calls in flight by call id (unique across runners). */
  readonly scopes: Map<number, ActiveCall>;
  /** The host-side watchdog every deadline is kept by. */
  readonly sweep: DeadlineSweep;
  allocateCallId(): number;
  /** The runner of the sandbox's trust group, created on first use. */
  runnerFor(sandbox: LoadedSandbox): RunnerProcess;
  /**
   * Makes sure the plugin is loaded in a live runner (recycling an idle bloated one first, reloading after a
   * restart or dispose) and returns that runner. Concurrent callers share one load.
   */
  ensureLoaded(sandbox: LoadedSandbox): Promise<RunnerProcess>;
  /** The runner when the plugin is loaded in it and nothing needs doing first (the common case, no await). */
  loadedRunner(sandbox: LoadedSandbox): RunnerProcess | undefined;
  /** Loads the plugin into its runner; returns the description JSON the plugin gave. */
  loadInto(sandbox: LoadedSandbox): Promise<string | undefined>;
  /** Unloads the plugin from its runner; a runner left without plugins is stopped. */
  unload(sandbox: LoadedSandbox): Promise<void>;
}

export interface RunnerPoolOptions {
  readonly ceilings: SandboxCeilings;
  readonly isolation: RunnerIsolation;
  readonly log: Logger;
  readonly metrics: SandboxMetrics | undefined;
  /** Where V8 code caches of bundles persist across restarts; in memory only when absent. */
  readonly codeCacheDir?: string | undefined;
}

/** Rounds of load-then-check before giving up when the runner keeps going away under the load. */
const MAX_LOAD_ROUNDS = 3;

function startRunner(key: string, sandbox: LoadedSandbox, pool: RunnerPool, options: RunnerPoolOptions) {
  const { log, metrics } = options;
  return new RunnerProcess({
    engine: sandbox.engine,
    group: key,
    memoryMb: options.ceilings.runnerMemoryMb,
    logger: log,
    sweep: pool.sweep,
    onCapability: async (message) => {
      const active = message.callId === undefined ? undefined : pool.scopes.get(message.callId);
      const handler = active?.handler ?? pool.sandboxes.get(message.pluginKey)?.handler;
      if (handler === undefined) {
        return JSON.stringify({
          ok: false,
          error: { code: 'ROKU_SANDBOX_UNLOADED', message: 'plugin is not loaded' },
        });
      }
      if (active !== undefined) active.capabilityRequests += 1;
      return handler.handle(message.request, active?.scope ?? { callId: `load:${message.pluginKey}` });
    },
    onDisposed: (message) => {
      const disposed = pool.sandboxes.get(message.pluginKey);
      if (disposed !== undefined) disposed.disposed = true;
      log.warn({ pluginKey: message.pluginKey, reason: message.reason }, 'plugin sandbox disposed');
    },
    onExit: (exit) => {
      if (exit.reason === 'stopped') return;
      metrics?.runnerRestarts.inc({ engine: exit.engine, reason: exit.reason });
      if (exit.reason === 'recycled') return;
      log.error(
        {
          engine: exit.engine,
          group: exit.group,
          reason: exit.reason,
          signal: exit.signal,
          suspects: exit.inFlight,
        },
        'runner died',
      );
    },
  });
}

/**
 * Supervised runner processes, one per engine and trust group (each publisher's plugins apart from every
 * other publisher's, or each plugin alone), shared by that group's plugins.
 */
export function createRunnerPool(options: RunnerPoolOptions): RunnerPool {
  const codeCaches = createCodeCacheStore(options.codeCacheDir, options.log);
  const loading = new Map<string, Promise<string | undefined>>();
  let nextCallId = 1;

  async function load(sandbox: LoadedSandbox): Promise<string | undefined> {
    const runner = pool.runnerFor(sandbox);
    const started = performance.now();
    const codeCache = codeCaches.get(sandbox.entryHash);
    const reply = await runner.load({
      t: 'load',
      pluginKey: sandbox.pluginKey,
      engine: sandbox.engine,
      entryPath: sandbox.entryPath,
      limits: sandbox.runnerLimits,
      webAssembly: sandbox.manifest.runtime.webAssembly === true,
      ...(codeCache === undefined ? {} : { codeCache }),
    });
    if (!reply.ok) {
      const id = `${sandbox.manifest.id}@${sandbox.manifest.version}`;
      // A refusal the runner typed (a wasm import Roku does not provide) keeps its code: it says what to fix.
      const code =
        reply.error?.code === 'ROKU_SANDBOX_IMPORT_REFUSED' ? reply.error.code : 'ROKU_SANDBOX_LOAD_FAILED';
      throw new RokuError(code, `${id}: ${reply.error?.message ?? 'load failed'}`, {
        details: { ...reply.error?.details, pluginId: sandbox.manifest.id, cause: reply.error ?? null },
      });
    }
    // Capability requests made while the plugin's top-level code ran count as one call of their own.
    sandbox.handler.endCall(`load:${sandbox.pluginKey}`);
    if (reply.codeCache !== undefined) codeCaches.set(sandbox.entryHash, reply.codeCache);
    options.metrics?.loadMs.observe({ engine: sandbox.engine }, (performance.now() - started) / 1000);
    sandbox.generation = runner.generation;
    sandbox.disposed = false;
    return reply.description;
  }

  const pool: RunnerPool = {
    runners: new Map(),
    sandboxes: new Map(),
    scopes: new Map(),
    sweep: new DeadlineSweep(),
    allocateCallId: () => nextCallId++,
    runnerFor(sandbox) {
      const key = runnerGroup(sandbox.engine, sandbox.manifest.id, options.isolation);
      const existing = pool.runners.get(key);
      if (existing !== undefined) return existing;
      const runner = startRunner(key, sandbox, pool, options);
      pool.runners.set(key, runner);
      return runner;
    },
    loadInto(sandbox) {
      const pending = loading.get(sandbox.pluginKey);
      if (pending !== undefined) return pending;
      const started = load(sandbox).finally(() => {
        loading.delete(sandbox.pluginKey);
      });
      loading.set(sandbox.pluginKey, started);
      return started;
    },
    loadedRunner(sandbox) {
      if (sandbox.revoked !== undefined || sandbox.disposed) return undefined;
      const runner = pool.runners.get(runnerGroup(sandbox.engine, sandbox.manifest.id, options.isolation));
      if (runner === undefined || !runner.live || sandbox.generation !== runner.generation) return undefined;
      return runner.farFromRecycling ? runner : undefined;
    },
    async ensureLoaded(sandbox) {
      for (let round = 0; round < MAX_LOAD_ROUNDS; round++) {
        // a revoked or unloaded plugin is never loaded again (nor its runner restarted for it)
        if (sandbox.revoked !== undefined) throw sandbox.revoked;
        const runner = pool.runnerFor(sandbox);
        await runner.recycleIfBloated();
        if (!sandbox.disposed && sandbox.generation === runner.generation && runner.live) return runner;
        await pool.loadInto(sandbox);
      }
      throw new RokuError(
        'ROKU_SANDBOX_CRASHED',
        `${sandbox.manifest.id}: its runner kept restarting while the plugin was loaded`,
        { details: { reason: 'restarting', sent: false } },
      );
    },
    async unload(sandbox) {
      pool.sandboxes.delete(sandbox.pluginKey);
      const key = runnerGroup(sandbox.engine, sandbox.manifest.id, options.isolation);
      const runner = pool.runners.get(key);
      if (runner === undefined) return;
      runner.unload(sandbox.pluginKey);
      const others = [...pool.sandboxes.values()].some(
        (s) => runnerGroup(s.engine, s.manifest.id, options.isolation) === key,
      );
      // A runner without plugins holds memory for nothing; the next load of its group starts a fresh one.
      if (!others) {
        pool.runners.delete(key);
        await runner.stop();
      }
    },
  };
  return pool;
}
