import { RokuError } from '@roku/schemas';

/** Context a handler receives: the plugin's only door to the host. It grows with the sandbox runtime. */
export interface ToolContext {
  /** Aborted when the call is cancelled or runs out of time. */
  readonly signal: AbortSignal;
}

/** A tool implementation. It must match a tool of the same name declared in the manifest. */
export interface ToolDefinition<I = unknown, O = unknown> {
  readonly name: string;
  readonly handler: (input: I, ctx: ToolContext) => O | Promise<O>;
}

/** A plugin's code: what it implements for the contributions its manifest declares. */
export interface PluginDefinition {
  /** Input is `never` here so that tools with any concrete input type fit; the host validates inputs. */
  readonly tools?: readonly ToolDefinition<never>[];
}

const LOCAL_NAME = /^[a-zA-Z][a-zA-Z0-9_-]{0,63}$/;

function invalid(message: string): never {
  throw new RokuError('ROKU_PLUGIN_DEFINITION_INVALID', message);
}

/**
 * Declares a tool implementation. Returns its input, typed, after checking its shape.
 *
 * @throws ROKU_PLUGIN_DEFINITION_INVALID when the name is not a valid tool name or the handler is missing.
 * @example
 * export const echo = defineTool({ name: 'echo', handler: (input: { text: string }) => ({ text: input.text }) });
 */
export function defineTool<I, O>(tool: ToolDefinition<I, O>): ToolDefinition<I, O> {
  if (!LOCAL_NAME.test(tool.name)) invalid(`tool name '${tool.name}' must match ${LOCAL_NAME.source}`);
  if (typeof tool.handler !== 'function') invalid(`tool '${tool.name}' has no handler function`);
  return tool;
}

/**
 * Declares a plugin. Returns its input, typed, after checking that tool names are unique.
 *
 * @throws ROKU_PLUGIN_DEFINITION_INVALID on duplicate tool names.
 */
export function definePlugin<P extends PluginDefinition>(plugin: P): P {
  const seen = new Set<string>();
  for (const tool of plugin.tools ?? []) {
    defineTool(tool);
    if (seen.has(tool.name)) invalid(`tool '${tool.name}' is defined twice`);
    seen.add(tool.name);
  }
  return plugin;
}
