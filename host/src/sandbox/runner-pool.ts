import { createCodeCacheStore } from './code-cache.js';
import type { CodeCacheStore } from './code-cache.js';
import { RokuError } from '@roku/schemas';
import type { Logger } from 'pino';
import { DeadlineSweep } from './deadline-sweep.js';
import type { SandboxCeilings } from './limits.js';
import type { CallScope, CapabilityHandler, LoadedSandbox } from './loaded-sandbox.js';
import type { SandboxMetrics } from './metrics.js';
import type { WireError } from './protocol.js';
import { runnerGroup } from './runner-group.js';
import {
  DEFAULT_MAX_RUNNERS_PER_GROUP,
  SessionRunners,
  chooseRunner,
  loadedThere,
  readyRunner,
} from './runner-spread.js';
import type { RunnerIsolation } from './runner-group.js';
import { RunnerProcess } from './runner-process.js';

/** A call in flight: the scope its capability requests belong to, and how many it made (retry safety). */
export interface ActiveCall {
  readonly scope: CallScope;
  readonly handler: CapabilityHandler;
  capabilityRequests: number;
  /** The first one-way request of the call that failed (an emit the host refused): the call fails with it. */
  sendFailure?: WireError;
}

/** The runners, per engine and trust group, and what they need to route capability requests back. */
export interface RunnerPool {
  /** Runners by key: `<engine>:<publisher or plugin id>`, and `…#<n>` for a group's further runners. */
  readonly runners: Map<string, RunnerProcess>;
  /** Loaded sandboxes by plugin key. */
  readonly sandboxes: Map<string, LoadedSandbox>;
  /** Calls in flight by call id (unique across runners). */
  readonly scopes: Map<number, ActiveCall>;
  /** The host-side watchdog every deadline is kept by. */
  readonly sweep: DeadlineSweep;
  allocateCallId(): number;
  /**
   * The runner of the sandbox's trust group a call (of `session`) should use, created on first use: the
   * session's runner, else the least busy one; another one when all are busy and the group may grow.
   */
  runnerFor(sandbox: LoadedSandbox, session?: string): RunnerProcess;
  /**
   * Makes sure the plugin is loaded in a live runner of its group (recycling an idle bloated one first,
   * reloading after a restart or dispose) and returns that runner. Concurrent callers share one load.
   */
  ensureLoaded(sandbox: LoadedSandbox, session?: string): Promise<RunnerProcess>;
  /** The runner when the plugin is loaded in it and nothing needs doing first (the common case, no await). */
  loadedRunner(sandbox: LoadedSandbox, session?: string): RunnerProcess | undefined;
  /** Loads the plugin into a runner of its group; returns the description JSON the plugin gave. */
  loadInto(sandbox: LoadedSandbox): Promise<string | undefined>;
  /** Unloads the plugin from its runners; a group left without plugins has its runners stopped. */
  unload(sandbox: LoadedSandbox): Promise<void>;
}

export interface RunnerPoolOptions {
  readonly ceilings: SandboxCeilings;
  readonly isolation: RunnerIsolation;
  readonly log: Logger;
  readonly metrics: SandboxMetrics | undefined;
  /** Where V8 code caches of bundles persist across restarts; in memory only when absent. */
  readonly codeCacheDir?: string | undefined;
  /** Runner processes one trust group may spread its calls over (DEFAULT_MAX_RUNNERS_PER_GROUP). */
  readonly maxRunnersPerGroup?: number | undefined;
}

/** Rounds of load-then-check before giving up when the runner keeps going away under the load. */
const MAX_LOAD_ROUNDS = 3;

/**
 * Where a capability request from a runner goes: the handler and scope of the call it was made in, or of the
 * plugin itself outside calls (its load); counted as one of that call's requests. Undefined when unloaded.
 */
function routeOf(
  pool: RunnerPool,
  message: { readonly pluginKey: string; readonly callId?: number },
):
  | { readonly handler: CapabilityHandler; readonly scope: CallScope; readonly active?: ActiveCall }
  | undefined {
  const active = message.callId === undefined ? undefined : pool.scopes.get(message.callId);
  const handler = active?.handler ?? pool.sandboxes.get(message.pluginKey)?.handler;
  if (handler === undefined) return undefined;
  if (active === undefined) return { handler, scope: { callId: `load:${message.pluginKey}` } };
  active.capabilityRequests += 1;
  return { handler, scope: active.scope, active };
}

function startRunner(key: string, sandbox: LoadedSandbox, pool: RunnerPool, options: RunnerPoolOptions) {
  const { log, metrics } = options;
  const runner: RunnerProcess = new RunnerProcess({
    engine: sandbox.engine,
    group: key,
    memoryMb: options.ceilings.runnerMemoryMb,
    logger: log,
    sweep: pool.sweep,
    onCapability: async (message) => {
      const route = routeOf(pool, message);
      if (route === undefined) {
        return JSON.stringify({
          ok: false,
          error: { code: 'ROKU_SANDBOX_UNLOADED', message: 'plugin is not loaded' },
        });
      }
      return route.handler.handle(message.request, route.scope);
    },
    onSend: (message) => {
      const route = routeOf(pool, message);
      const failure = route?.handler.handleOneWay(message.request, route.scope);
      if (route?.active !== undefined && failure !== undefined) route.active.sendFailure ??= failure;
    },
    onDisposed: (message) => {
      pool.sandboxes.get(message.pluginKey)?.loadedIn.delete(runner);
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
  return runner;
}

/** Loads a plugin into one runner and records it there; returns the plugin's description JSON. */
async function load(
  sandbox: LoadedSandbox,
  runner: RunnerProcess,
  codeCaches: CodeCacheStore,
  options: RunnerPoolOptions,
): Promise<string | undefined> {
  const started = performance.now();
  const reply = await runner.load({
    t: 'load',
    pluginKey: sandbox.pluginKey,
    engine: sandbox.engine,
    entryPath: sandbox.entryPath,
    limits: sandbox.runnerLimits,
    webAssembly: sandbox.manifest.runtime.webAssembly === true,
    network: sandbox.mayFetch,
    ...codeCaches.forLoad(sandbox.entryHash),
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
  if (reply.maxCalls !== undefined) sandbox.fitMemory(reply.maxCalls);
  options.metrics?.loadMs.observe({ engine: sandbox.engine }, (performance.now() - started) / 1000);
  sandbox.loadedIn.set(runner, runner.generation);
  return reply.description;
}

/**
 * Supervised runner processes per engine and trust group (each publisher's plugins apart from every other
 * publisher's, or each plugin alone), shared by that group's plugins; a busy group spreads over several
 * processes (see runner-spread.ts).
 */
export function createRunnerPool(options: RunnerPoolOptions): RunnerPool {
  const codeCaches = createCodeCacheStore(options.codeCacheDir, options.log);
  const loading = new Map<RunnerProcess, Map<string, Promise<string | undefined>>>();
  const sessions = new SessionRunners();
  const maxRunners = Math.max(1, options.maxRunnersPerGroup ?? DEFAULT_MAX_RUNNERS_PER_GROUP);
  let nextCallId = 1;

  const groupKey = (sandbox: LoadedSandbox): string =>
    runnerGroup(sandbox.engine, sandbox.manifest.id, options.isolation);

  /** The group's runners with their keys in the pool, the first one first. */
  function groupOf(key: string): [string, RunnerProcess][] {
    return [...pool.runners].filter(([k]) => k === key || k.startsWith(`${key}#`));
  }

  /** Loads the plugin into `runner`; concurrent loads of one plugin into one runner share a request. */
  function loadIn(sandbox: LoadedSandbox, runner: RunnerProcess): Promise<string | undefined> {
    let pending = loading.get(runner);
    if (pending === undefined) {
      pending = new Map();
      loading.set(runner, pending);
    }
    const existing = pending.get(sandbox.pluginKey);
    if (existing !== undefined) return existing;
    const started = load(sandbox, runner, codeCaches, options).finally(() => {
      pending.delete(sandbox.pluginKey);
      if (pending.size === 0) loading.delete(runner);
    });
    pending.set(sandbox.pluginKey, started);
    return started;
  }

  const pool: RunnerPool = {
    runners: new Map(),
    sandboxes: new Map(),
    scopes: new Map(),
    sweep: new DeadlineSweep(),
    allocateCallId: () => nextCallId++,
    runnerFor(sandbox, session) {
      const key = groupKey(sandbox);
      const group = groupOf(key);
      const chosen = chooseRunner(
        group.map(([, r]) => r),
        sessions.get(sandbox.pluginKey, session),
        maxRunners,
      );
      if (chosen !== undefined) return chosen;
      let mapKey = key;
      for (let n = 2; pool.runners.has(mapKey); n++) mapKey = `${key}#${n}`;
      const runner = startRunner(key, sandbox, pool, options);
      pool.runners.set(mapKey, runner);
      if (group.length > 0) options.log.info({ group: key, runners: group.length + 1 }, 'runner group grew');
      return runner;
    },
    loadInto(sandbox) {
      return loadIn(sandbox, pool.runnerFor(sandbox));
    },
    loadedRunner(sandbox, session) {
      if (sandbox.revoked !== undefined) return undefined;
      const remembered = sessions.get(sandbox.pluginKey, session);
      const runner = readyRunner(sandbox, remembered, () => groupOf(groupKey(sandbox)).length < maxRunners);
      // the lookup already made a remembered session the most recent one
      if (runner !== undefined && runner !== remembered) sessions.set(sandbox.pluginKey, session, runner);
      return runner;
    },
    async ensureLoaded(sandbox, session) {
      let runner: RunnerProcess | undefined;
      for (let round = 0; round < MAX_LOAD_ROUNDS; round++) {
        // a revoked or unloaded plugin is never loaded again (nor its runner restarted for it)
        if (sandbox.revoked !== undefined) throw sandbox.revoked;
        // chosen once: a runner that restarts under the load stays the one to load into
        runner ??= pool.runnerFor(sandbox, session);
        await runner.recycleIfBloated();
        if (loadedThere(sandbox, runner)) {
          sessions.set(sandbox.pluginKey, session, runner);
          return runner;
        }
        await loadIn(sandbox, runner);
      }
      throw new RokuError(
        'ROKU_SANDBOX_CRASHED',
        `${sandbox.manifest.id}: its runner kept restarting while the plugin was loaded`,
        { details: { reason: 'restarting', sent: false } },
      );
    },
    async unload(sandbox) {
      pool.sandboxes.delete(sandbox.pluginKey);
      sessions.forget((pluginKey) => pluginKey === sandbox.pluginKey);
      const key = groupKey(sandbox);
      const group = groupOf(key);
      for (const [, runner] of group) runner.unload(sandbox.pluginKey);
      sandbox.loadedIn.clear();
      const others = [...pool.sandboxes.values()].some((s) => groupKey(s) === key);
      // A runner without plugins holds memory for nothing; the next load of its group starts a fresh one.
      if (!others) {
        for (const [mapKey] of group) pool.runners.delete(mapKey);
        const stopped = new Set(group.map(([, r]) => r));
        sessions.forget((_, runner) => stopped.has(runner));
        await Promise.all(group.map(([, r]) => r.stop()));
      }
    },
  };
  return pool;
}
