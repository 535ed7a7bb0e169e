import { dirname, isAbsolute, join, resolve } from 'node:path';
import { pluginSkillsFolder } from '../capabilities/index.js';
import { McpBridge } from '../mcp/index.js';
import { createPluginHost } from '../plugins/plugin-host.js';
import type { PluginHost } from '../plugins/plugin-host.js';
import { ceilingsFromConfig } from '../sandbox/limits.js';
import type { SandboxCeilings } from '../sandbox/limits.js';
import type { SharedFailureCount } from '../sandbox/quarantine.js';
import type { Store } from '../store/types.js';
import { isProcessAlive } from '../store/index.js';
import { createBreakers } from './assemble.js';
import type { AgentRuntimeOptions } from './options.js';
import type { RunDeps } from './runs.js';
import { ContextMemos } from './slots/context-memo.js';
import type { ReloadResult } from './runtime-types.js';
import { createAgentServices } from './services.js';
import { SnapshotHolder } from './snapshot/holder.js';
import { SnapshotLoader } from './snapshot/snapshot.js';
import type { SnapshotPlugin } from './snapshot/snapshot.js';
import { defaultBundledDir } from './snapshot/sources.js';
import { openAgentStore } from './state.js';
import { Quarantines } from './supervision.js';
import { ChangeWatcher } from './watch.js';

/** The named parts `createAgentRuntime` wires together. */
export interface RuntimeParts extends RunDeps {
  readonly options: AgentRuntimeOptions;
  readonly pluginHost: PluginHost;
  readonly quarantines: Quarantines;
  readonly watcher: ChangeWatcher;
  /** Connections to the config's MCP servers; closed (their processes stopped) with the runtime. */
  readonly mcp: McpBridge;
}

/**
 * Opens the store (marking runs of dead processes interrupted), restores quarantines, starts the plugin host
 * and builds the first snapshot. Whatever was opened is closed again when a later step fails.
 *
 * @throws ROKU_STORE_CORRUPT, ROKU_STORE_LOCKED, ROKU_STORE_NEWER, ROKU_CONFIG_INVALID
 */
export async function openRuntimeParts(options: AgentRuntimeOptions): Promise<RuntimeParts> {
  const logger = options.logger.child({ component: 'agent' });
  const { home } = options;
  const store = openAgentStore(home, options.config);
  const quarantines = new Quarantines(store, logger);
  try {
    const recovered = store.recoverStaleRuns(isProcessAlive);
    if (recovered > 0)
      logger.warn({ recovered }, 'runs of processes that died were settled (resumable or interrupted)');
    store.pruneTraces();
    // Quarantines outlive restarts until the plugin is enabled or installed again (the install signal says when).
    await quarantines.restore(home);
  } catch (err) {
    store.close();
    throw err;
  }
  let snapshots: SnapshotHolder | undefined;
  const mcp = new McpBridge({
    workspace: options.workspace,
    hidden: [home],
    home,
    logger: options.logger,
    // a server that went away, came back or changed its tools: its tools leave or join the catalog
    onChange: (reason) => {
      snapshots?.schedule(reason);
    },
  });
  const pluginHost = createPluginHost({
    services: createAgentServices(() => snapshots?.current(), logger),
    logger: options.logger,
    home,
    workspace: options.workspace,
    ceilings: sharedQuarantine(ceilingsFromConfig(options.config.sandbox), store),
    ...(options.metrics === undefined ? {} : { metrics: options.metrics }),
    ...(options.env === undefined ? {} : { env: options.env }),
    ...(options.lookup === undefined ? {} : { lookup: options.lookup }),
    // The user's own grants (loopback origins, limit overrides) of the configuration in force.
    grants: (pluginId) => (snapshots?.config ?? options.config).plugins?.grants?.[pluginId],
    pluginSkills: () => pluginSkillsFolders(snapshots?.current().plugins ?? []),
    onQuarantine: (entry) => {
      const plugin = snapshots?.current().plugins.find((p) => p.manifest.id === entry.pluginId);
      const reason = quarantines.add(entry, plugin?.manifest.version, plugin?.candidate.dir);
      snapshots?.schedule(`quarantine of ${entry.pluginId} (${reason})`);
    },
  });
  try {
    snapshots = await SnapshotHolder.open(
      {
        home,
        configDir: options.configFile === undefined ? home : dirname(options.configFile),
        bundledDir: options.bundledPluginsDir ?? defaultBundledDir(),
        loader: new SnapshotLoader(pluginHost, logger),
        breakers: createBreakers(),
        quarantined: quarantines.reasons,
        refreshQuarantines: (candidates) => {
          quarantines.refresh(candidates, pluginHost.sandboxes);
        },
        store,
        logger,
        mcp,
      },
      options.config,
      options.reloadConfig,
    );
  } catch (err) {
    await mcp.close();
    await pluginHost.close();
    store.close();
    throw err;
  }
  return {
    options,
    logger,
    pid: options.pid ?? process.pid,
    store,
    pluginHost,
    quarantines,
    snapshots,
    watcher: new ChangeWatcher(),
    mcp,
    alwaysAllowed: new Map(),
    contextMemos: new ContextMemos(),
    diagnosticsDir: join(home, 'diagnostics'),
  };
}

/** `watch()`: reloads on install signals, config and dev-folder changes; resolves once every watcher is armed. */
export function watchChanges(parts: RuntimeParts, onReload?: (result: ReloadResult) => void): Promise<void> {
  const { options, snapshots, quarantines, pluginHost } = parts;
  snapshots.onReload(onReload);
  const configDir = options.configFile === undefined ? options.home : dirname(options.configFile);
  return parts.watcher.start({
    home: options.home,
    configFile: options.configFile,
    devDirs: (snapshots.config.plugins?.devDirs ?? []).map((raw) =>
      isAbsolute(raw) ? raw : resolve(configDir, raw),
    ),
    logger: parts.logger,
    schedule: (reason) => {
      snapshots.schedule(reason);
    },
    release: (id) => {
      quarantines.release(id, pluginHost.sandboxes);
    },
  });
}

/** Stops watching, waits for a running reload, then closes the sandboxes and the store. */
export async function closeRuntimeParts(parts: RuntimeParts): Promise<void> {
  parts.watcher.close();
  await parts.snapshots.close();
  await parts.mcp.close();
  await parts.pluginHost.close();
  parts.store.close();
}

/** The skills folders the active plugins ship (`contributes.skills`), by `@scope+name`: the plugin-skills root. */
function pluginSkillsFolders(plugins: readonly SnapshotPlugin[]): ReadonlyMap<string, string> {
  const folders = new Map<string, string>();
  for (const plugin of plugins) {
    const skills = plugin.manifest.contributes.skills;
    if (skills !== undefined)
      folders.set(pluginSkillsFolder(plugin.manifest.id), join(plugin.candidate.dir, skills));
  }
  return folders;
}

/** The sandbox ceilings with quarantine failures counted in the store, shared by every roku process. */
function sharedQuarantine(ceilings: SandboxCeilings, store: Store): SandboxCeilings {
  const shared: SharedFailureCount = {
    count: (pluginId, reason, windowMs) => store.recordPluginFailure(pluginId, reason, windowMs),
  };
  // QuarantineTracker reads `shared` from the quarantine options it is given.
  const quarantine = { ...ceilings.quarantine, shared };
  return { ...ceilings, quarantine };
}
