import type { Logger } from 'pino';
import type { ResolvedHostConfig } from '@roku/schemas';
import type { McpBridge } from '../../mcp/index.js';
import type { Store } from '../../store/types.js';
import { assembleSnapshot } from '../assemble.js';
import type { AgentSnapshot } from '../assembled.js';
import type { BreakerBoard } from '../router/index.js';
import type { AgentSettings } from '../settings.js';
import type { SnapshotLoader } from './snapshot.js';
import { withMcpServers } from './mcp-source.js';
import { loadLiveModels } from './live-models.js';
import { discoverCandidates } from './sources.js';

/** What building a snapshot needs besides the configuration of the moment. */
export interface SnapshotSources {
  readonly home: string;
  /** Folder relative `plugins.devDirs` are resolved against (the config file's). */
  readonly configDir: string;
  readonly bundledDir: string;
  readonly loader: SnapshotLoader;
  /** Breaker state outlives snapshots. */
  readonly breakers: BreakerBoard;
  /** Quarantined plugin ids and why: left out, their slots fall back. */
  readonly quarantined: ReadonlyMap<string, string>;
  /** Brings `quarantined` up to date for these candidates (other processes' quarantines, rebuilt plugins). */
  readonly refreshQuarantines?: (candidates: readonly { id: string; dir: string }[]) => void;
  readonly store: Store;
  readonly logger: Logger;
  /** MCP servers of the config (`mcpServers`): their tools join the catalog beside the plugins'. */
  readonly mcp?: McpBridge;
}

/**
 * Builds a snapshot: discovers the candidates (dev folders, installed, bundled defaults), loads or reuses their
 * sandboxes, assembles router and catalog, and records the plugins' states. `strict` (reloads): any plugin that
 * fails fails the build; lenient (startup): it is left out and listed.
 *
 * @throws ROKU_SNAPSHOT_FAILED (strict), ROKU_CONFIG_INVALID
 */
export async function buildSnapshot(
  sources: SnapshotSources,
  config: ResolvedHostConfig,
  settings: AgentSettings,
  strict: boolean,
): Promise<AgentSnapshot> {
  const { home, configDir, bundledDir, loader, store, logger } = sources;
  const { candidates, problems } = await discoverCandidates({ home, config, configDir, bundledDir });
  sources.refreshQuarantines?.(candidates);
  const base = await loader.build({
    candidates,
    discoveryProblems: problems,
    settings: config.plugins?.settings ?? {},
    grants: config.plugins?.grants ?? {},
    memorySlot: settings.memorySlot,
    contextEngine: settings.contextEngine,
    quarantined: sources.quarantined,
    strict,
  });
  let snapshot: AgentSnapshot;
  try {
    // MCP servers and live model lists are asked at the same time
    const [servers, live] = await Promise.all([
      sources.mcp === undefined ? [] : sources.mcp.sync(config),
      loadLiveModels(base.plugins, { home, logger }),
    ]);
    snapshot = assembleSnapshot(withMcpServers(base, servers), settings, sources.breakers, live);
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
}
