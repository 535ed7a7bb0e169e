import type { ResolvedHostConfig } from '@roku/schemas';
import type { PinStatus, ToolDefinition } from './pins.js';

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
  readonly risk: readonly string[];
  /** What the server lists now (absent for the bridge's own resource tools, which are not pinned). */
  readonly definition?: ToolDefinition;
  /** The definition against the one the user approved. */
  readonly pin?: PinStatus;
}

/** What the bridge does when a tool's definition differs from the approved one (`onToolChange`). */
export type ToolChangePolicy = 'block' | 'ask';

/** A server's state: its tools, or why it has none. */
export type McpServerState =
  | {
      readonly name: string;
      readonly ok: true;
      readonly tools: readonly McpTool[];
      readonly protocol: string;
      /** `stdio`, `streamable-http` or `http+sse`. */
      readonly wire: string;
      /** Tools changed since approved, and the like: shown in /plugins and as warnings. */
      readonly warnings: readonly string[];
    }
  | {
      readonly name: string;
      readonly ok: false;
      readonly problem: string;
      /** `reconnecting` while the bridge tries again; `failed` otherwise. */
      readonly status: 'reconnecting' | 'failed';
    };
