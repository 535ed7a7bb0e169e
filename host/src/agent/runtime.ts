import { randomUUID } from 'node:crypto';
import { readFileSync, watch } from 'node:fs';
import type { FSWatcher } from 'node:fs';
import { basename, dirname, isAbsolute, join, resolve } from 'node:path';
import { RokuError, isRokuError } from '@roku/schemas';
import type { ResolvedHostConfig } from '@roku/schemas';
import { readPluginChangeSignal, watchPluginChanges } from '../install/change-signal.js';
import { createPluginHost } from '../plugins/plugin-host.js';
import { ceilingsFromConfig } from '../sandbox/limits.js';
import { isProcessAlive as isAlive } from '../store/index.js';
import { openAgentStore, stateQueries } from './state.js';
import type { Store } from '../store/types.js';
import { assembleSnapshot, createBreakers } from './assemble.js';
import { createAgentServices } from './services.js';
import type { AgentSnapshot } from './assembled.js';
import type { Checkpoint } from './loop.js';
import { closeDanglingCalls, validMessages } from './conversation.js';
import { AgentLoop } from './loop.js';
import type { AgentRuntimeOptions } from './options.js';
import type {
  AgentRuntime,
  ReloadResult,
  RunHandlers,
  RunInput,
  RunResult,
  SnapshotInfo,
} from './runtime-types.js';
import { agentSettings } from './settings.js';
import type { AgentSettings } from './settings.js';
import { SnapshotLoader } from './snapshot/snapshot.js';
import { defaultBundledDir, discoverCandidates } from './snapshot/sources.js';

export const DEFAULT_SESSION_ID = 'chat-default';

interface Lease {
  readonly snapshot: AgentSnapshot;
  leases: number;
  retired: boolean;
}

function newRunId(): string {
  return `run-${Date.now().toString(36)}-${randomUUID().slice(0, 8)}`;
}

function devPluginId(dir: string): string | undefined {
  try {
    const raw = JSON.parse(readFileSync(join(dir, 'roku.plugin.json'), 'utf8')) as { id?: unknown };
    return typeof raw.id === 'string' ? raw.id : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Assembles the agent from the installed plugins: opens the store, builds the first plugin snapshot and
 * returns the runtime the CLI and the HTTP server drive.
 *
 * @throws ROKU_STORE_CORRUPT, ROKU_STORE_LOCKED, ROKU_STORE_NEWER, ROKU_CONFIG_INVALID
 */
export async function createAgentRuntime(options: AgentRuntimeOptions): Promise<AgentRuntime> {
  let config: ResolvedHostConfig = options.config;
  let settings: AgentSettings = agentSettings(config);
  const logger = options.logger.child({ component: 'agent' });
  const pid = options.pid ?? process.pid;
  const home = options.home;
  const store: Store = openAgentStore(home, config);
  try {
    const recovered = store.recoverStaleRuns(isAlive);
    if (recovered > 0) logger.warn({ recovered }, 'runs of processes that died were marked interrupted');
    store.pruneTraces();
  } catch (err) {
    store.close();
    throw err;
  }

  let scheduleReload: (reason: string) => void = () => undefined;
  const quarantined = new Map<string, string>();
  // Quarantines outlive restarts until the plugin is enabled or installed again (the install signal says when).
  try {
    const signal = await readPluginChangeSignal(home);
    for (const row of store.listPluginStates()) {
      if (row.quarantinedAt === null) continue;
      const lifted =
        signal !== undefined &&
        (signal.kind === 'enable' || signal.kind === 'apply') &&
        signal.ids.includes(row.id) &&
        signal.at >= row.quarantinedAt;
      if (lifted) store.releaseQuarantine(row.id);
      else quarantined.set(row.id, row.quarantineReason ?? 'quarantined');
    }
  } catch (err) {
    store.close();
    throw err;
  }
  let currentSnapshot: AgentSnapshot | undefined;
  const pluginHost = createPluginHost({
    services: createAgentServices(() => currentSnapshot),
    logger: options.logger,
    home,
    workspace: options.workspace,
    ceilings: ceilingsFromConfig(config.sandbox),
    ...(options.metrics === undefined ? {} : { metrics: options.metrics }),
    ...(options.env === undefined ? {} : { env: options.env }),
    ...(options.lookup === undefined ? {} : { lookup: options.lookup }),
    onQuarantine: (entry) => {
      const reason = `${entry.reason.code}: ${entry.reason.message}`.slice(0, 300);
      quarantined.set(entry.pluginId, reason);
      const version = currentSnapshot?.plugins.find((p) => p.manifest.id === entry.pluginId)?.manifest
        .version;
      try {
        store.quarantinePlugin(entry.pluginId, version ?? 'unknown', reason);
      } catch (err) {
        logger.warn({ err, pluginId: entry.pluginId }, 'quarantine not recorded');
      }
      scheduleReload(`quarantine of ${entry.pluginId} (${reason})`);
    },
  });
  const loader = new SnapshotLoader(pluginHost, logger);
  const breakers = createBreakers();
  const bundledDir = options.bundledPluginsDir ?? defaultBundledDir();
  const configDir = options.configFile === undefined ? home : dirname(options.configFile);
  const alwaysAllowedBySession = new Map<string, Set<string>>();

  const build = async (strict: boolean): Promise<AgentSnapshot> => {
    const { candidates, problems } = await discoverCandidates({ home, config, configDir, bundledDir });
    const base = await loader.build({
      candidates,
      discoveryProblems: problems,
      settings: config.plugins?.settings ?? {},
      memorySlot: settings.memorySlot,
      contextEngine: settings.contextEngine,
      quarantined,
      strict,
    });
    let snapshot: AgentSnapshot;
    try {
      snapshot = assembleSnapshot(base, settings, breakers);
    } catch (err) {
      await loader.release(base);
      throw err;
    }
    try {
      store.recordPlugins(
        snapshot.info.plugins.map((p) => ({
          id: p.id,
          version: p.version,
          origin: p.source,
          status: p.problem === undefined ? 'loaded' : 'left-out',
          problem: p.problem ?? null,
        })),
      );
    } catch (err) {
      logger.warn({ err }, 'plugin states not recorded');
    }
    return snapshot;
  };

  let current: Lease;
  try {
    current = { snapshot: await build(false), leases: 0, retired: false };
    currentSnapshot = current.snapshot;
  } catch (err) {
    await pluginHost.close();
    store.close();
    throw err;
  }
  logger.info(
    { snapshot: current.snapshot.id, plugins: current.snapshot.plugins.length },
    'plugin snapshot ready',
  );

  const retire = async (lease: Lease): Promise<void> => {
    lease.retired = true;
    if (lease.leases === 0) await loader.release(lease.snapshot);
  };
  const acquire = (): { snapshot: AgentSnapshot; release: () => void } => {
    const lease = current;
    lease.leases += 1;
    let released = false;
    return {
      snapshot: lease.snapshot,
      release: () => {
        if (released) return;
        released = true;
        lease.leases -= 1;
        // A turn that started on a retired snapshot finished: its sandboxes can go now.
        if (lease.retired && lease.leases === 0) {
          loader.release(lease.snapshot).catch((err: unknown) => {
            logger.warn({ err }, 'disposing a retired snapshot failed');
          });
        }
      },
    };
  };

  let reloadChain: Promise<unknown> = Promise.resolve();
  const reload = (reason: string): Promise<ReloadResult> => {
    const next = reloadChain.then(async (): Promise<ReloadResult> => {
      const started = performance.now();
      try {
        if (options.reloadConfig !== undefined) {
          const fresh = options.reloadConfig();
          const freshSettings = agentSettings(fresh);
          config = fresh;
          settings = freshSettings;
        }
        const snapshot = await build(true);
        const old = current;
        current = { snapshot, leases: 0, retired: false };
        currentSnapshot = snapshot;
        await retire(old);
        const elapsedMs = performance.now() - started;
        logger.info({ snapshot: snapshot.id, reason, elapsedMs }, 'plugin snapshot swapped');
        return { ok: true, snapshot: snapshot.info, reason, elapsedMs };
      } catch (err) {
        const error = isRokuError(err) ? err : new RokuError('ROKU_SNAPSHOT_FAILED', String(err));
        logger.warn({ err: error, reason }, 'reload failed; the previous snapshot stays in use');
        return {
          ok: false,
          snapshot: current.snapshot.info,
          reason,
          error: { code: error.code, message: error.message },
          elapsedMs: performance.now() - started,
        };
      }
    });
    reloadChain = next.catch(() => undefined);
    return next;
  };

  const watchers: { close(): void }[] = [];
  let onReloadListener: ((result: ReloadResult) => void) | undefined;
  let pendingTimer: NodeJS.Timeout | undefined;
  const pendingReasons = new Set<string>();
  scheduleReload = (reason: string) => {
    pendingReasons.add(reason);
    if (pendingTimer !== undefined) return;
    // Coalesce bursts (a build writes many files; an install rewrites several) into one reload.
    pendingTimer = setTimeout(() => {
      pendingTimer = undefined;
      const why = [...pendingReasons].join(', ');
      pendingReasons.clear();
      reload(why)
        .then((result) => onReloadListener?.(result))
        .catch(() => undefined);
    }, 150);
    pendingTimer.unref();
  };

  const startRun = (input: RunInput, snapshot: AgentSnapshot): Checkpoint => {
    const sessionId = input.sessionId ?? DEFAULT_SESSION_ID;
    const goal = input.goal.trim();
    if (goal === '') throw new RokuError('ROKU_RUN_FAILED', 'the goal is empty; say what you want done');
    store.ensureSession(sessionId);
    const runId = newRunId();
    const model = input.model ?? (settings.defaultModel === '' ? null : settings.defaultModel);
    // Tools loaded through tool_search stay loaded for the session, so the definitions (and the provider's
    // prompt cache) stay the same from one turn to the next.
    const previous = store.listRuns({ sessionId, limit: 1 })[0]?.state as
      Partial<Checkpoint> | null | undefined;
    const loadedTools = Array.isArray(previous?.loadedTools)
      ? previous.loadedTools.filter((n): n is string => typeof n === 'string').slice(0, 256)
      : [];
    if (model !== null) snapshot.router.select({ model, estimatedPromptTokens: 0, expectedOutputTokens: 0 });
    const state: Checkpoint = {
      v: 1,
      runId,
      sessionId,
      goal,
      approvalMode: input.approvalMode,
      autoApprove: input.autoApprove ?? settings.autoApprove,
      planMode: input.planMode ?? false,
      model,
      modelPinned: model !== null,
      step: 0,
      remainingSteps: settings.stepBudget,
      remainingRecovery: settings.recoveryBudget,
      loadedTools,
      alwaysAllowed: [],
      usage: { prompt: 0, output: 0, cacheRead: 0, cacheWrite: 0, cost: 0 },
      firstSeq: 0,
    };
    store.startRun({ id: runId, sessionId, goal, ownerPid: pid, state }, isAlive);
    // A previous run that died mid-step may have left calls without results: close them first.
    const dangling = closeDanglingCalls(store.listMessages(sessionId).map((m) => m.message));
    if (dangling.length > 0) store.appendMessages(sessionId, runId, dangling);
    const [user] = store.appendMessages(sessionId, runId, [{ role: 'user', content: goal }]);
    state.firstSeq = user?.seq ?? 0;
    store.checkpointRun(runId, state);
    return state;
  };

  const drive = async (
    snapshot: AgentSnapshot,
    state: Checkpoint,
    handlers: RunHandlers,
    signal: AbortSignal | undefined,
  ): Promise<RunResult> => {
    const sessionAllowed = alwaysAllowedBySession.get(state.sessionId) ?? new Set<string>();
    alwaysAllowedBySession.set(state.sessionId, sessionAllowed);
    const loop = new AgentLoop(
      { snapshot, store, settings, logger, pid, handlers, signal, alwaysAllowed: sessionAllowed },
      state,
    );
    loop.emit(undefined, {
      type: 'RunStarted',
      run_id: state.runId,
      session_id: state.sessionId,
      snapshot: snapshot.id,
    });
    const result = await loop.run();
    if (result.status === 'succeeded' && settings.rememberExchanges) {
      await loop.remember(state.goal, result.message).catch((err: unknown) => {
        logger.warn({ err }, 'memory write failed');
      });
    }
    return result;
  };

  const queries = stateQueries(store);
  const runtime: AgentRuntime = {
    snapshotInfo: (): SnapshotInfo => current.snapshot.info,

    async run(input, handlers = {}) {
      const { snapshot, release } = acquire();
      try {
        if (!snapshot.router.hasModels) {
          throw new RokuError(
            'ROKU_NO_PROVIDER',
            'no LLM provider plugin is installed and enabled; install one, e.g. roku plugin install @roku/plugin-provider-scripted',
          );
        }
        const state = startRun(input, snapshot);
        return await drive(snapshot, state, handlers, input.signal);
      } finally {
        release();
      }
    },

    async decideApproval(approvalId, decision, handlers = {}, runOptions = {}) {
      const ticket = store.getApproval(approvalId);
      if (ticket === undefined) {
        throw new RokuError(
          'ROKU_APPROVAL_NOT_FOUND',
          `no approval ticket ${approvalId} (see roku approval list)`,
        );
      }
      const run = store.getRun(ticket.runId);
      if (run === undefined)
        throw new RokuError('ROKU_RUN_NOT_FOUND', `run ${ticket.runId} of ${approvalId} is gone`);
      if (run.ownerPid !== null && run.ownerPid !== pid && isAlive(run.ownerPid)) {
        throw new RokuError(
          'ROKU_SESSION_BUSY',
          `run ${run.id} is being driven by process ${String(run.ownerPid)}, which is asking about this ticket; answer there`,
        );
      }
      // A decision recorded by a process that died before it resumed the run: resume without deciding again.
      const decidedEarlier = ticket.status !== 'pending' && run.status === 'awaiting_approval';
      if (!decidedEarlier) store.decideApproval(approvalId, decision);
      const { snapshot, release } = acquire();
      try {
        const saved = run.state as Checkpoint;
        const state: Checkpoint = {
          ...saved,
          approvalMode: runOptions.approvalMode ?? saved.approvalMode,
        };
        store.checkpointRun(run.id, state, { status: 'running', ownerPid: pid });
        return await drive(snapshot, state, handlers, runOptions.signal);
      } finally {
        release();
      }
    },

    reload,

    async compactSession(sessionId) {
      const session = store.getSession(sessionId);
      if (session === undefined) throw new RokuError('ROKU_SESSION_NOT_FOUND', `no session ${sessionId}`);
      const stored = store.listMessages(sessionId);
      const { snapshot, release } = acquire();
      try {
        const owner = snapshot.context;
        if (owner === undefined || stored.length < 3) return { discarded: 0, retained: stored.length };
        const messages = stored.map((m) => m.message);
        const plugin = owner.plugin;
        const out = (await plugin.sandbox.call(
          'context:compact',
          {
            request: { model: 'compact', messages },
            contextWindow: settings.contextWindowTokens,
            compactThresholdRatio: settings.compactThresholdRatio,
            force: true,
          },
          { config: plugin.settings },
        )) as { request?: { messages?: unknown } } | null;
        // A plugin's answer: checked like every context-engine result before anything is stored.
        const result = validMessages(out?.request?.messages, messages);
        if (result === undefined || result.length >= messages.length) {
          return { discarded: 0, retained: stored.length };
        }
        // The engine keeps a tail of the original messages and puts a summary before it.
        let kept = 0;
        while (
          kept < result.length &&
          kept < messages.length &&
          result[result.length - 1 - kept]?.content === messages[messages.length - 1 - kept]?.content
        ) {
          kept += 1;
        }
        const summary = result
          .slice(0, result.length - kept)
          .find((m) => m.role === 'user' || m.role === 'system');
        const keepFrom = stored[stored.length - kept]?.seq;
        if (summary === undefined || keepFrom === undefined) return { discarded: 0, retained: stored.length };
        return store.compactMessages(sessionId, keepFrom, { role: 'user', content: summary.content });
      } finally {
        release();
      }
    },

    ...queries,
    deleteSession(id) {
      const deleted = queries.deleteSession(id);
      alwaysAllowedBySession.delete(id);
      return deleted;
    },

    watch(onReload) {
      const release = (id: string): void => {
        quarantined.delete(id);
        pluginHost.sandboxes.quarantine.release(id);
        try {
          store.releaseQuarantine(id);
        } catch (err) {
          logger.warn({ err, pluginId: id }, 'quarantine release not recorded');
        }
      };
      onReloadListener = onReload;
      if (watchers.length > 0) return;
      watchPluginChanges(home, (signal) => {
        if (signal.kind === 'enable' || signal.kind === 'apply') {
          for (const id of signal.ids) release(id);
        }
        scheduleReload(`plugin ${signal.kind}: ${signal.ids.join(', ')}`);
      })
        .then((w) => watchers.push(w))
        .catch((err: unknown) => {
          logger.warn({ err }, 'cannot watch plugin changes');
        });
      const watchPath = (
        path: string,
        reason: string,
        recursive: boolean,
        only?: string,
        before?: () => void,
      ): void => {
        try {
          const w: FSWatcher = watch(path, { recursive, persistent: false }, (_event, name) => {
            if (only !== undefined && name !== only) return;
            before?.();
            scheduleReload(reason);
          });
          w.on('error', () => undefined);
          watchers.push(w);
        } catch (err) {
          logger.warn({ err, path }, 'cannot watch');
        }
      };
      if (options.configFile !== undefined) {
        watchPath(dirname(options.configFile), 'config change', false, basename(options.configFile));
      }
      for (const raw of config.plugins?.devDirs ?? []) {
        const dir = isAbsolute(raw) ? raw : resolve(configDir, raw);
        watchPath(dir, `dev plugin ${dir} changed`, true, undefined, () => {
          // New code of a dev plugin gets a fresh start: its quarantine (if any) is lifted.
          const id = devPluginId(dir);
          if (id !== undefined) release(id);
        });
      }
    },

    async close() {
      if (pendingTimer !== undefined) clearTimeout(pendingTimer);
      for (const w of watchers) w.close();
      await reloadChain.catch(() => undefined);
      await pluginHost.close();
      store.close();
    },
  };
  return runtime;
}
