import {
  CLIENT_CAPABILITIES_META_KEY,
  ProtocolError,
  ProtocolErrorCode,
  Server,
  inputRequired,
  inputResponse,
  isInputRequiredResult,
} from '@modelcontextprotocol/server';
import type { CallToolResult, ServerContext, Tool } from '@modelcontextprotocol/server';
import type { Logger } from 'pino';
import {
  APPROVAL_KEY,
  APPROVAL_SCHEMA,
  ApprovalSeal,
  approvalMessage,
  cannotAskMessage,
} from './approval.js';
import type { GatewayTool, ToolGateway } from './gateway.js';

/*
 * The low-level Server, not McpServer: the tool list follows the plugin snapshot, which changes under a live
 * connection (install, reload, hot swap); McpServer's per-instance registry of fixed tools does not model that.
 */
// eslint-disable-next-line @typescript-eslint/no-deprecated -- see above
const LowLevelServer = Server;
// eslint-disable-next-line @typescript-eslint/no-deprecated -- see above
type LowLevelServer = Server;

/** The version `roku mcp serve` reports as serverInfo. */
const SERVER_VERSION = '0.1.0';

export interface ToolServerOptions {
  readonly gateway: ToolGateway;
  readonly logger: Logger;
  /** Tools the operator allowed without asking (`--allow`); deny patterns still apply. */
  readonly allowed?: ReadonlySet<string>;
  /** How this server's operator grants a tool by policy, named in refusals. */
  readonly grantHint: (tool: string) => string;
  /** Hears how each call ended (an audit log); never the arguments or the result. */
  readonly onCall?: (event: McpCallEvent) => void;
}

/** How one `tools/call` ended: run (ok or failed), or not run (and why). */
export interface McpCallEvent {
  readonly tool: string;
  /** The plugins' session of the instance (per connection, or per token over HTTP). */
  readonly session: string;
  readonly outcome: 'ran' | 'failed' | 'denied' | 'cannot-ask' | 'declined' | 'mismatched';
  /** Who allowed it to run: the policy (read-only, granted, auto-approve) or the client's user. */
  readonly by: 'policy' | 'user' | null;
}

export interface CreateOptions {
  /**
   * Whether this instance may ask the client's user (default true). False where the answer could not come
   * back to the instance that asked: stateless 2025-era HTTP, where every request gets a fresh instance.
   */
  readonly canAsk?: boolean;
  /** Whether the instance hears list changes (`sendToolListChanged`); false for per-request HTTP instances. */
  readonly track?: boolean;
  /** What the refusal says to do when the client cannot ask, besides the policy grant. */
  readonly cannotAsk?: string;
  /** The plugins' session for this instance's calls (default: one of its own, `mcp-<uuid>`). */
  readonly session?: string;
}

/** Builds MCP server instances over the gateway and tells the live ones when the tool list changes. */
export interface ToolServerFactory {
  /** A fresh instance (one per stdio connection or HTTP request; the SDK's serving entries call it). */
  create(options?: CreateOptions): LowLevelServer;
  /** Stops telling instances about changes. */
  close(): void;
}

function annotated(tool: GatewayTool): Tool {
  const writes = tool.risk.some((r) => r === 'write' || r === 'exec');
  return {
    name: tool.name,
    description: tool.description,
    inputSchema: tool.inputSchema as Tool['inputSchema'],
    annotations: {
      readOnlyHint: tool.readOnly,
      destructiveHint: writes,
      openWorldHint: tool.risk.includes('network'),
    },
  };
}

function textResult(text: string, isError: boolean): CallToolResult {
  return { content: [{ type: 'text', text }], isError };
}

/** Whether the client of this request declared elicitation (per request on 2026-07-28, at initialize before). */
function canElicit(server: LowLevelServer, ctx: ServerContext): boolean {
  const envelope = ctx.mcpReq.envelope as Record<string, unknown> | undefined;
  const declared = envelope?.[CLIENT_CAPABILITIES_META_KEY] as { elicitation?: unknown } | undefined;
  // 2025-era connections declare capabilities once, at initialize: only the server instance knows them.
  // eslint-disable-next-line @typescript-eslint/no-deprecated -- the per-request envelope is 2026-07-28 only
  const capabilities = declared ?? server.getClientCapabilities();
  return capabilities?.elicitation !== undefined;
}

/**
 * The MCP face of the plugin snapshot: `tools/list` gives the snapshot's tools (names, descriptions, input
 * schemas), `tools/call` runs one in its sandbox after the approval policy: read-only tools and granted ones
 * run, deny patterns refuse, and the rest ask the client's user through elicitation (a multi-round-trip
 * `input_required` on 2026-07-28, a server-to-client `elicitation/create` on 2025 revisions), or are refused
 * with how to approve them when the client cannot ask. Nothing that needs approval runs silently.
 */
export function createToolServerFactory(options: ToolServerOptions): ToolServerFactory {
  const { gateway, logger } = options;
  const allowed = options.allowed ?? new Set<string>();
  const seal = new ApprovalSeal();
  const live = new Set<LowLevelServer>();
  const unsubscribe = gateway.onToolsChanged(() => {
    logger.info({ servers: live.size }, 'mcp tool list changed');
    for (const server of live) {
      server.sendToolListChanged().catch((err: unknown) => {
        logger.debug({ err }, 'mcp list_changed not delivered');
      });
    }
  });

  const call = async (
    server: LowLevelServer,
    name: string,
    args: unknown,
    ctx: ServerContext,
    how: CreateOptions,
    session: string,
  ) => {
    const verdict = gateway.verdict(name, args, allowed);
    if (verdict.kind === 'unknown') {
      throw new ProtocolError(ProtocolErrorCode.InvalidParams, `no tool named ${name}`);
    }
    if (verdict.kind === 'deny') {
      logger.info({ tool: name, reason: verdict.reason }, 'mcp call denied by policy');
      options.onCall?.({ tool: name, session, outcome: 'denied', by: 'policy' });
      return textResult(`denied by policy: ${verdict.reason}. The call was not run.`, true);
    }
    if (verdict.kind === 'ask') {
      const answer = inputResponse(ctx.mcpReq.inputResponses, APPROVAL_KEY);
      if (answer.kind === 'missing') {
        if (how.canAsk === false || !canElicit(server, ctx)) {
          logger.info({ tool: name }, 'mcp call refused: the client cannot ask');
          options.onCall?.({ tool: name, session, outcome: 'cannot-ask', by: null });
          return textResult(
            cannotAskMessage(name, verdict.reason, options.grantHint(name), how.cannotAsk),
            true,
          );
        }
        return inputRequired({
          inputRequests: {
            [APPROVAL_KEY]: inputRequired.elicit({
              mode: 'form',
              message: approvalMessage(name, args, verdict.reason),
              requestedSchema: APPROVAL_SCHEMA,
            }),
          },
          requestState: seal.mint(verdict.digest),
        });
      }
      const yes = answer.kind === 'elicit' && answer.action === 'accept' && answer.content?.approve === true;
      if (!yes) {
        logger.info({ tool: name }, 'mcp call declined by the user');
        options.onCall?.({ tool: name, session, outcome: 'declined', by: 'user' });
        return textResult(`not run: the user declined ${name}.`, true);
      }
      if (!seal.matches(ctx.mcpReq.requestState(), verdict.digest)) {
        logger.warn({ tool: name }, 'mcp approval answer does not belong to this call');
        options.onCall?.({ tool: name, session, outcome: 'mismatched', by: null });
        return textResult(
          `not run: the approval answer does not belong to this call of ${name} (no question was asked for these arguments); call it again to be asked.`,
          true,
        );
      }
      logger.info({ tool: name, digest: verdict.digest }, 'mcp call approved by the user');
    }
    const result = await gateway.run(name, args, session, ctx.mcpReq.signal);
    options.onCall?.({
      tool: name,
      session,
      outcome: result.isError ? 'failed' : 'ran',
      by: verdict.kind === 'ask' ? 'user' : 'policy',
    });
    return textResult(result.text, result.isError);
  };

  return {
    create: (how = {}) => {
      const session = how.session ?? `mcp-${crypto.randomUUID()}`;
      const server = new LowLevelServer(
        { name: 'roku', version: SERVER_VERSION },
        { capabilities: { tools: { listChanged: true } } },
      );
      server.setRequestHandler('tools/list', () => ({ tools: gateway.tools().map(annotated) }));
      server.setRequestHandler('tools/call', async (request, ctx) => {
        const result = await call(
          server,
          request.params.name,
          request.params.arguments ?? {},
          ctx,
          how,
          session,
        );
        return isInputRequiredResult(result) ? result : server.projectCallToolResult(result, undefined);
      });
      if (how.track !== false) {
        live.add(server);
        server.onclose = () => {
          live.delete(server);
        };
      }
      return server;
    },
    close: () => {
      unsubscribe();
      live.clear();
    },
  };
}
