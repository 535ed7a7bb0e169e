import type { ResolvedHostConfig } from '@roku/schemas';

/** One entry of the host config's `mcpServers`. */
export type McpServerEntry = NonNullable<NonNullable<ResolvedHostConfig['mcpServers']>[string]>;

/** A tool of a connected server, as the bridge offers it. */
export interface McpTool {
  /** Model-visible: `mcp__<server>__<tool>`. */
  readonly name: string;
  /** The server's own name for it. */
  readonly serverName: string;
  readonly description: string;
  readonly inputSchema: Record<string, unknown>;
  /** Approval tags from the server's annotations; never only `read`, so a call always asks by default. */
  readonly risk: readonly ('read' | 'write' | 'exec' | 'network')[];
}

/** A server's state: its tools, or why it has none. */
export type McpServerState =
  | {
      readonly name: string;
      readonly ok: true;
      readonly tools: readonly McpTool[];
      readonly protocol: string;
    }
  | { readonly name: string; readonly ok: false; readonly problem: string };
