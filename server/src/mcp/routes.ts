import { Readable } from 'node:stream';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { createToolHttpHandler, createToolServerFactory } from '@roku/host';
import type { ServerContext } from '../context.js';

/** The plugins' session of a token's calls is `mcp-http-<token id>` (see createToolHttpHandler). */
const MCP_SESSION_PREFIX = 'mcp-http-';

/** The web-standard request of a fastify request (the body is passed parsed, fastify has read it). */
function webRequest(request: FastifyRequest): Request {
  const headers = new Headers();
  for (const [name, value] of Object.entries(request.headers)) {
    if (typeof value === 'string') headers.set(name, value);
    else if (Array.isArray(value)) for (const v of value) headers.append(name, v);
  }
  return new Request(`http://${request.headers.host ?? 'localhost'}${request.url}`, {
    method: request.method,
    headers,
  });
}

async function sendWeb(reply: FastifyReply, response: Response): Promise<FastifyReply> {
  reply.code(response.status);
  response.headers.forEach((value, name) => {
    reply.header(name, value);
  });
  if (response.body === null) return reply.send();
  return reply.send(Readable.fromWeb(response.body as NodeReadableStream<Uint8Array>));
}

/**
 * `/mcp`: the plugin snapshot's tools for any MCP client over Streamable HTTP, behind a bearer token with the
 * `chat` scope (the scope that already lets a client make the agent call tools). Each call runs in its sandbox
 * under its manifest and the approval policy, like `roku mcp serve`.
 */
export function mcpRoutes(app: FastifyInstance, ctx: ServerContext): void {
  const logger = ctx.logger.child({ component: 'mcp-serve' });
  const gateway = ctx.runtime.toolGateway();
  const factory = createToolServerFactory({
    gateway,
    logger,
    grantHint: (tool) => `roku mcp serve --allow ${tool} (stdio)`,
    // Audited like the other routes' actions; the session names the token (mcp-http-<token id>).
    onCall: (event) => {
      ctx.audit.record({
        actor: `token:${event.session.slice(MCP_SESSION_PREFIX.length)}`,
        action: 'mcp.call',
        outcome: event.outcome === 'ran' ? 'ok' : event.outcome === 'failed' ? 'failed' : 'denied',
        target: event.tool,
        details: { outcome: event.outcome, by: event.by },
      });
    },
  });
  const handler = createToolHttpHandler(factory, gateway, logger);
  app.addHook('onClose', async () => {
    await handler.close();
    factory.close();
    gateway.close();
  });
  app.route({
    method: ['GET', 'POST', 'DELETE'],
    url: '/mcp',
    config: { scope: 'chat' },
    schema: { hide: true },
    handler: async (request, reply) => {
      const response = await handler.fetch(webRequest(request), {
        tokenId: request.token?.id ?? 'anonymous',
        ...(request.method === 'POST' ? { parsedBody: request.body } : {}),
      });
      return sendWeb(reply, response);
    },
  });
}
