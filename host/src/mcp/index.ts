export { McpBridge } from './bridge.js';
export type { McpServerView } from './bridge.js';
export { mcpToolName, mcpPluginId } from './names.js';
export type { McpServerEntry, McpServerState, McpTool } from './types.js';
