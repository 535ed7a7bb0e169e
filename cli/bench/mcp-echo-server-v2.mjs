// A plain MCP stdio server built with the SDK (@modelcontextprotocol/server, the release roku mcp serve uses),
// one `echo` tool, no sandbox and no approval: the baseline of `pnpm bench mcp`.
import { McpServer, fromJsonSchema } from '@modelcontextprotocol/server';
import { serveStdio } from '@modelcontextprotocol/server/stdio';

serveStdio(() => {
  const server = new McpServer({ name: 'bench-echo', version: '1.0.0' }, { capabilities: { tools: {} } });
  server.registerTool(
    'echo',
    {
      description: 'Returns the given text unchanged.',
      inputSchema: fromJsonSchema({
        type: 'object',
        properties: { text: { type: 'string', maxLength: 10000 } },
        required: ['text'],
        additionalProperties: false,
      }),
    },
    (args) => ({ content: [{ type: 'text', text: String(args.text) }] }),
  );
  return server;
});
