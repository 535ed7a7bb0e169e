export { PLUGIN_API_VERSION } from './version.js';
export { PLUGIN_API_ERRORS } from './errors.js';
export { definePlugin, defineTool } from './define.js';
export type { PluginDefinition, ToolDefinition, ToolContext } from './define.js';
export { RokuError, isRokuError, MANIFEST_FILE_NAME } from '@roku/schemas';
export type { RokuErrorJson, PluginManifest, ToolContribution } from '@roku/schemas';
