import { createMcpHandler } from '@modelcontextprotocol/server';
import type { Logger } from 'pino';
import type { ToolGateway } from './gateway.js';
import type { ToolServerFactory } from './tool-server.js';

/** A web-standard MCP endpoint (Streamable HTTP) over the factory's servers. */
export interface ToolHttpHandler {
  /** Serves one request; `parsedBody` when the framework already parsed the JSON body. */
  fetch(request: Request, options: { parsedBody?: unknown; tokenId: string }): Promise<Response>;
  close(): Promise<void>;
}

/**
 * Streamable HTTP for both protocol eras: 2026-07-28 requests are served per request (approval questions ride
 * the multi-round-trip `input_required` result, list changes go to `subscriptions/listen` streams); 2025-era
 * requests are served statelessly, where the server cannot ask the client's user, so calls that need approval
 * are refused with how to grant them. Authentication is the caller's (the route's bearer token).
 */
export function createToolHttpHandler(
  factory: ToolServerFactory,
  gateway: ToolGateway,
  logger: Logger,
): ToolHttpHandler {
  const handler = createMcpHandler(
    (ctx) =>
      factory.create({
        track: false,
        canAsk: ctx.era === 'modern',
        // Per-request instances: the plugins' session is the client's token, so its calls may share a realm.
        session: `mcp-http-${ctx.authInfo?.clientId ?? 'anonymous'}`,
        cannotAsk:
          'a 2025-era client over stateless HTTP cannot answer a question; a 2026-07-28 client can, and so can roku mcp serve over stdio',
      }),
    {
      onerror: (err) => {
        logger.debug({ err }, 'mcp http error');
      },
    },
  );
  const unsubscribe = gateway.onToolsChanged(() => {
    handler.notify.toolsChanged();
  });
  return {
    fetch: (request, { parsedBody, tokenId }) =>
      handler.fetch(request, {
        authInfo: { token: tokenId, clientId: tokenId, scopes: [] },
        ...(parsedBody === undefined ? {} : { parsedBody }),
      }),
    close: async () => {
      unsubscribe();
      await handler.close();
    },
  };
}
