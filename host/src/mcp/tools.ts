import { mcpToolName } from './names.js';
import type { McpPins, ToolDefinition } from './pins.js';
import type { McpTool, ToolChangePolicy } from './types.js';

/** The risk tag the approval gate asks about whatever auto-approve says (see approvals/policy.ts). */
export const CHANGED_RISK = 'changed';

/** Risk from the server's hints. A read-only hint still counts as external (`network`): the user is asked. */
function riskOf(annotations: unknown): string[] {
  const a = (annotations ?? {}) as { readOnlyHint?: unknown; destructiveHint?: unknown };
  if (a.readOnlyHint === true) return ['network', 'read'];
  if (a.destructiveHint === false) return ['exec'];
  return ['exec', 'write'];
}

function described(def: ToolDefinition): string {
  return (def.description ?? def.title ?? def.name).slice(0, 4000) || def.name;
}

function schemaOf(def: ToolDefinition): Record<string, unknown> {
  const schema = def.inputSchema;
  const base = typeof schema === 'object' && schema !== null ? (schema as Record<string, unknown>) : {};
  return { ...base, type: 'object' };
}

/**
 * The tools a server offers the model, its definitions checked against the pins:
 * - new or as approved: as the server lists it;
 * - changed, `block`: offered as it was approved (the new text never reaches the model), every call refused;
 * - changed, `ask`: offered as it is now, tagged so the gate asks the user again before it runs.
 * A server with resources gets `list_resources` and `read_resource` tools of its own (unless its tools have
 * those names).
 */
export function offeredTools(
  server: string,
  definitions: readonly ToolDefinition[],
  offers: { readonly resources: boolean },
  options: { readonly pins: McpPins; readonly policy: ToolChangePolicy },
): { tools: McpTool[]; warnings: string[] } {
  const warnings: string[] = [];
  const tools = definitions.map((def): McpTool => {
    const pin = options.pins.status(server, def);
    const shown = pin.kind === 'changed' && options.policy === 'block' ? pin.pin.definition : def;
    const risk = riskOf(shown.annotations);
    if (pin.kind === 'changed') {
      const what = pin.changes.join('; ');
      warnings.push(
        options.policy === 'block'
          ? `MCP server "${server}" changed tool ${def.name} since you approved it (${what}): its calls are blocked until \`roku mcp pins reset ${server} ${def.name}\``
          : `MCP server "${server}" changed tool ${def.name} since you approved it (${what}): its next call asks again`,
      );
      if (options.policy === 'ask') risk.push(CHANGED_RISK);
    }
    return {
      name: mcpToolName(server, def.name),
      serverName: def.name,
      description: described(shown),
      inputSchema: schemaOf(shown),
      risk,
      definition: def,
      pin,
    };
  });
  if (offers.resources) {
    const taken = new Set(tools.map((t) => t.name));
    const extra: McpTool[] = [
      {
        name: mcpToolName(server, 'list_resources'),
        serverName: 'list_resources',
        description: `List the resources (and resource templates) MCP server "${server}" offers: uri, name, description, mime type.`,
        inputSchema: { type: 'object', properties: {}, additionalProperties: false },
        risk: ['network', 'read'],
      },
      {
        name: mcpToolName(server, 'read_resource'),
        serverName: 'read_resource',
        description: `Read one resource of MCP server "${server}" by its uri (see ${mcpToolName(server, 'list_resources')}).`,
        inputSchema: {
          type: 'object',
          properties: { uri: { type: 'string', description: 'The resource uri.' } },
          required: ['uri'],
          additionalProperties: false,
        },
        risk: ['network', 'read'],
      },
    ];
    tools.push(...extra.filter((t) => !taken.has(t.name)));
  }
  return { tools, warnings };
}
