import type { Sandbox } from '../../sandbox/loaded-sandbox.js';
import type { PluginLimitsSummary, PluginSummary, SnapshotInfo } from '../runtime-types.js';
import type { PluginSnapshotBase, SnapshotPlugin } from './snapshot.js';
import type { PluginCandidate } from './sources.js';

/** How `/plugins` and `SnapshotInfo` describe a plugin: loaded, or a candidate left out with its problem. */
export function pluginSummary(plugin: SnapshotPlugin | PluginCandidate, problem?: string): PluginSummary {
  if ('sandbox' in plugin) {
    const c = plugin.manifest.contributes;
    return {
      id: plugin.manifest.id,
      version: plugin.manifest.version,
      source: plugin.candidate.origin,
      engine: plugin.candidate.origin === 'mcp' ? 'mcp' : plugin.sandbox.engine,
      contributes: {
        tools: (c.tools ?? []).map((t) => t.name),
        providers: (c.providers ?? []).map((p) => p.name),
        memorySlot: c.memorySlot !== undefined,
        contextEngine: c.contextEngine !== undefined,
        subagentRuntimes: (c.subagentRuntimes ?? []).map((r) => r.name),
      },
      ...(plugin.candidate.origin === 'mcp' ? {} : { limits: limitsSummary(plugin.sandbox) }),
      ...(problem === undefined ? {} : { problem }),
    };
  }
  return {
    id: plugin.id,
    version: plugin.version,
    source: plugin.origin,
    engine: 'none',
    contributes: { tools: [], providers: [], memorySlot: false, contextEngine: false, subagentRuntimes: [] },
    ...(problem === undefined ? {} : { problem }),
  };
}

/** The limits a loaded plugin runs under, and the calls the host admits at once. */
export function limitsSummary(sandbox: Sandbox): PluginLimitsSummary {
  const { memoryMb, cpuMsPerCall, wallMsPerCall, cpuMsPerMinute, concurrency } = sandbox.limits;
  const boundBy = sandbox.concurrencyBound;
  return {
    memoryMb,
    cpuMsPerCall,
    wallMsPerCall,
    ...(cpuMsPerMinute === undefined ? {} : { cpuMsPerMinute }),
    concurrency,
    callsAtOnce: sandbox.concurrency,
    ...(boundBy === undefined ? {} : { boundBy }),
  };
}

export function snapshotInfoBase(
  base: PluginSnapshotBase,
): Pick<SnapshotInfo, 'id' | 'createdAt' | 'plugins' | 'memorySlot' | 'contextEngine' | 'warnings'> {
  return {
    id: base.id,
    createdAt: base.createdAt,
    plugins: [...base.plugins.map((p) => pluginSummary(p)), ...base.problems],
    memorySlot: base.memory?.plugin.manifest.id ?? '',
    contextEngine: base.context?.plugin.manifest.id ?? '',
    warnings: base.warnings,
  };
}
