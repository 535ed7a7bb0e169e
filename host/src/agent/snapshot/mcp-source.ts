import type { McpServerView } from '../../mcp/index.js';
import { mcpPluginId } from '../../mcp/index.js';
import type { PluginSnapshotBase, SnapshotPlugin } from './snapshot.js';

/**
 * The loaded plugins plus one entry per MCP server: a connected one with its tools (it reaches the catalog like
 * a plugin), a failed one listed with its problem (as `/plugins` lists a plugin left out).
 */
export function withMcpServers(
  base: PluginSnapshotBase,
  servers: readonly McpServerView[],
): PluginSnapshotBase {
  if (servers.length === 0) return base;
  const plugins: SnapshotPlugin[] = [];
  const problems = [...base.problems];
  const warnings = [...base.warnings];
  for (const { state, sandbox } of servers) {
    const id = mcpPluginId(state.name);
    if (sandbox !== undefined) {
      plugins.push({
        candidate: { id, version: '0.0.0', dir: '', origin: 'mcp' },
        manifest: sandbox.manifest,
        sandbox,
        settings: {},
        key: sandbox.pluginKey,
      });
      if (state.ok) warnings.push(...state.warnings);
    } else if (!state.ok) {
      problems.push({
        id,
        version: '0.0.0',
        source: 'mcp',
        engine: 'mcp',
        contributes: {
          tools: [],
          providers: [],
          memorySlot: false,
          contextEngine: false,
          subagentRuntimes: [],
        },
        problem: state.problem,
      });
      warnings.push(state.problem);
    }
  }
  return { ...base, plugins: [...base.plugins, ...plugins], problems, warnings };
}
