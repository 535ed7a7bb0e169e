import { createHash } from 'node:crypto';

/** Longest model-visible tool name (the catalog's TOOL_NAME_PATTERN). */
const MAX_NAME = 64;

/** Replaces what a tool name may not contain, so `my.server` and `my-server` both become `my_server`. */
function normalized(part: string): string {
  const clean = part.replace(/[^A-Za-z0-9_-]/g, '_');
  return clean === '' ? '_' : clean;
}

/**
 * The model-visible name of an MCP tool: `mcp__<server>__<tool>`. A name over 64 characters keeps its start and
 * ends with a hash of the whole, so two long names never meet.
 */
export function mcpToolName(server: string, tool: string): string {
  const name = `mcp__${normalized(server)}__${normalized(tool)}`;
  if (name.length <= MAX_NAME) return name;
  const hash = createHash('sha256').update(`${server}\0${tool}`).digest('hex').slice(0, 8);
  return `${name.slice(0, MAX_NAME - 9)}_${hash}`;
}

/** The plugin id the snapshot lists a server under. */
export function mcpPluginId(server: string): string {
  return `@mcp/${server.toLowerCase().replace(/[^a-z0-9._-]/g, '_')}`;
}
