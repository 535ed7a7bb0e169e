import type { PluginManifest } from '@roku/schemas';
import type { PlainJson } from '../sandbox/safe-json.js';
import { RokuError, parsePluginOp } from '@roku/schemas';
import type { CallOptions, Sandbox } from '../sandbox/loaded-sandbox.js';
import { MCP_CALL_TIMEOUT_MS } from './connection.js';
import { mcpPluginId } from './names.js';
import type { McpTool } from './types.js';

/** Results are capped like any tool's (spec §3.3: command max_output_bytes). */
const MAX_OUTPUT_CHARS = 65_536;

/**
 * The manifest the snapshot lists an MCP server under: its tools, nothing else. It is made here, never read from
 * the server, so a server cannot claim a slot, a provider or permissions.
 */
export function serverManifest(server: string, tools: readonly McpTool[]): PluginManifest {
  return {
    manifestVersion: 1,
    id: mcpPluginId(server),
    version: '0.0.0',
    description: `MCP server "${server}" (mcpServers in the host config)`,
    license: 'UNLICENSED',
    engines: { roku: '*' },
    runtime: { type: 'isolate', entry: 'mcp' },
    contributes: {
      tools: tools.map((t) => ({
        name: t.name,
        description: t.description,
        inputSchema: t.inputSchema,
        risk: [...t.risk],
        maxOutputChars: MAX_OUTPUT_CHARS,
      })) as NonNullable<PluginManifest['contributes']['tools']>,
    },
  };
}

/**
 * A server's tools behind the `Sandbox` interface the loop already calls: `tool:<mcp__s__t>` becomes `call` (the
 * server's slot, which owns the process, so disposing this does not stop it).
 */
export function serverSandbox(
  server: string,
  tools: readonly McpTool[],
  call: (tool: McpTool, input: unknown, signal: AbortSignal | undefined) => Promise<string>,
  callTimeoutMs: number = MCP_CALL_TIMEOUT_MS,
): Sandbox {
  const manifest = serverManifest(server, tools);
  const byName = new Map(tools.map((t) => [t.name, t]));
  let inFlight = 0;
  return {
    pluginKey: `${manifest.id}#mcp`,
    manifest,
    engine: 'isolate',
    description: {
      abi: 1,
      tools: tools.map((t) => t.name),
      providers: [],
      memorySlot: null,
      contextEngine: null,
      subagentRuntimes: [],
    },
    limits: {
      memoryMb: 0,
      cpuMsPerCall: callTimeoutMs,
      wallMsPerCall: callTimeoutMs,
      outputBytes: MAX_OUTPUT_CHARS * 4,
      concurrency: 8,
    },
    concurrency: 8,
    get inFlight() {
      return inFlight;
    },
    queued: 0,
    async call(op: string, input: unknown, options: CallOptions = {}): Promise<PlainJson> {
      const parsed = parsePluginOp(op);
      const tool = parsed?.kind === 'tool' ? byName.get(parsed.name ?? '') : undefined;
      if (tool === undefined) {
        throw new RokuError('ROKU_SANDBOX_UNKNOWN_OP', `MCP server "${server}" has no operation '${op}'`);
      }
      options.beforeSend?.();
      inFlight += 1;
      try {
        return await call(tool, input, options.signal);
      } finally {
        inFlight -= 1;
      }
    },
    dispose: () => Promise.resolve(),
  };
}
