// `roku plugin init --kind subagent|bridge`: the templates of kinds that hand work on (to a model, to a server).
import type { KindTemplate } from './init-kinds-common.js';
import { CONFORMANCE, TEST_HEAD } from './init-kinds-common.js';

export const SUBAGENT: KindTemplate = {
  description: 'A Roku sub-agent runtime that asks the model for a short numbered brief of one task.',
  contributes: {
    subagentRuntimes: [
      { name: 'brief', description: 'Asks the model for a short numbered brief of a task.' },
    ],
  },
  permissions: { capabilities: { llm: true } },
  limits: { memoryMb: 32, cpuMsPerCall: 500, wallMsPerCall: 120000 },
  source: `import { definePlugin, defineSubagentRuntime } from '@roku/plugin-api';
import type { ChatMessage, PluginContext, SubagentTask } from '@roku/plugin-api';

/**
 * The main agent hands a task over with its Agent tool (runtime "brief"); the string returned is the tool
 * result it sees. This runtime makes one model call (ctx.llm.chat; manifest: capabilities.llm). A runtime
 * that uses tools (capabilities.tools, ctx.tools.invoke) loops, one model call a step, within task.maxSteps.
 * Errors of ctx (ROKU_CAPABILITY_DENIED when llm is not granted) pass through with their code.
 */
export async function brief(task: SubagentTask, ctx: PluginContext): Promise<string> {
  const messages: ChatMessage[] = [
    { role: 'system', content: 'Restate the task as a short numbered brief, then answer it.' },
    { role: 'user', content: task.task },
  ];
  const response = await ctx.llm.chat({ model: '', messages, maxTokens: 1024 });
  return \`[brief sub-agent]\\n\${response.message.content.trim()}\`;
}

export default definePlugin({ subagentRuntimes: [defineSubagentRuntime({ name: 'brief', run: brief })] });
`,
  test: `${TEST_HEAD}
// A scripted model: the runtime's ctx.llm.chat reaches it (only because the manifest grants capabilities.llm).
const asked: unknown[] = [];
before(async () => {
  host = await createTestHost({
    services: {
      llm: {
        chat: (request) => {
          asked.push(request);
          return Promise.resolve({
            message: { role: 'assistant', content: '1. Read the spec\\n2. Write the test' },
            finishReason: 'stop',
            usage: { inputTokens: 12, outputTokens: 8 },
          });
        },
      },
    },
  });
  plugin = await host.load(dir);
});
after(() => host.close());

test('run returns the model answer for the task', async () => {
  const answer = await plugin.call('subagent:brief:run', { task: 'Read the spec. Write the test', maxSteps: 2 });
  assert.equal(answer, '[brief sub-agent]\\n1. Read the spec\\n2. Write the test');
  assert.equal(asked.length, 1);
});
${CONFORMANCE}`,
  readme:
    'The main agent gets an `Agent` tool whose `runtime` may be `brief`; the host then calls `run({ task, ' +
    'maxSteps }, ctx)` (op `subagent:brief:run`) and hands the returned string back to the model as the ' +
    "tool result. `ctx.llm.chat` uses the session's model; it needs `permissions.capabilities.llm`.",
};

export const BRIDGE: KindTemplate = {
  description:
    'A Roku bridge: forwards its tool to a remote MCP server (Streamable HTTP) named in its settings.',
  contributes: {
    bridges: [{ name: 'remote', protocol: 'mcp', description: 'Calls tools of one remote MCP server.' }],
    tools: [
      {
        name: 'remote_call',
        description: 'Calls a tool of the remote MCP server and returns its text.',
        inputSchema: {
          type: 'object',
          properties: { tool: { type: 'string', maxLength: 128 }, arguments: { type: 'object' } },
          required: ['tool'],
          additionalProperties: false,
        },
        risk: ['network'],
      },
    ],
  },
  permissions: {},
  limits: { memoryMb: 32, cpuMsPerCall: 500, httpRequestsPerCall: 4 },
  configSchema: {
    type: 'object',
    properties: { url: { type: 'string', description: 'The MCP server endpoint (http or https URL).' } },
    required: ['url'],
    additionalProperties: false,
  },
  source: `import { RokuError, definePlugin, defineTool } from '@roku/plugin-api';

interface McpAnswer {
  result?: { content?: { type: string; text?: string }[]; isError?: boolean };
  error?: { message: string };
}

// ctx.fetch is checked host-side: the server's origin must be granted (manifest permissions.network, or
// plugins.grants in the user's config for a loopback server).
export const remoteCall = defineTool({
  name: 'remote_call',
  async handler(input: { tool: string; arguments?: unknown }, ctx) {
    const url = (ctx.config as { url?: unknown } | null)?.url;
    if (typeof url !== 'string' || url === '') {
      throw new RokuError('ROKU_CONFIG_BAD_VALUE', 'settings.url: set it to the MCP server endpoint (http or https)');
    }
    const response = await ctx.fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'tools/call',
        params: { name: input.tool, arguments: input.arguments ?? {} },
      }),
    });
    const answer = (await response.json()) as McpAnswer;
    if (answer.error !== undefined || answer.result?.isError === true) {
      throw new RokuError('ROKU_PLUGIN_FAILED', \`remote tool \${input.tool}: \${answer.error?.message ?? 'failed'}\`);
    }
    return { text: (answer.result?.content ?? []).map((c) => c.text ?? '').join('') };
  },
});

export default definePlugin({ tools: [remoteCall] });
`,
  test: `${TEST_HEAD}import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

// A loopback MCP server with one tool, upper: what the bridge forwards to.
const server = createServer((req, res) => {
  let body = '';
  req.on('data', (c: Buffer) => (body += c.toString()));
  req.on('end', () => {
    const call = JSON.parse(body) as { id: number; params: { arguments: { text?: string } } };
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ jsonrpc: '2.0', id: call.id, result: { content: [{ type: 'text', text: String(call.params.arguments.text).toUpperCase() }] } }));
  });
});
let url = '';

before(async () => {
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  url = \`http://127.0.0.1:\${(server.address() as AddressInfo).port}\`;
  host = await createTestHost();
  // A loopback origin is reachable only through a user grant (plugins.grants in the config).
  plugin = await host.load(dir, { grants: { network: [url] } });
});
after(async () => {
  await host.close();
  server.close();
});

test('forwards a call to the MCP server and returns its text', async () => {
  const result = await plugin.callTool('remote_call', { tool: 'upper', arguments: { text: 'hi' } }, { url });
  assert.deepEqual(result, { text: 'HI' });
});
${CONFORMANCE}`,
  readme:
    'A bridge declares what it bridges (`contributes.bridges`) and offers tools the host calls like any ' +
    'other; this one forwards `remote_call` to the MCP server at `settings.url` with `ctx.fetch`. Grant the ' +
    "server's origin in the manifest (`permissions.network`) or, for a loopback server, in your config " +
    '(`plugins.grants["<id>"].network`).',
};
