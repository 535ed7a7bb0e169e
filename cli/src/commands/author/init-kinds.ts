// What `roku plugin init --kind <kind>` puts in a new plugin: per kind, the manifest's contribution and
// permissions, the TypeScript source and its test on the SDK test kit (`@roku/plugin-testing`, node:test).

import type { KindTemplate } from './init-kinds-common.js';
import { CONFORMANCE, LOAD, TEST_HEAD } from './init-kinds-common.js';
import { BRIDGE, SUBAGENT } from './init-kinds-agents.js';

/** The plugin kinds `roku plugin init --kind` scaffolds. */
export const INIT_KINDS = ['tool', 'provider', 'memory', 'context', 'subagent', 'bridge'] as const;
export type InitKind = (typeof INIT_KINDS)[number];

export type { KindTemplate } from './init-kinds-common.js';

const TOOL: KindTemplate = {
  description: 'A Roku tool plugin that greets someone.',
  contributes: {
    tools: [
      {
        name: 'greet',
        description: 'Greets someone by name.',
        inputSchema: {
          type: 'object',
          properties: { name: { type: 'string', maxLength: 200 } },
          additionalProperties: false,
        },
        outputSchema: {
          type: 'object',
          properties: { greeting: { type: 'string' } },
          required: ['greeting'],
        },
        risk: ['read'],
      },
    ],
  },
  permissions: {},
  limits: { memoryMb: 16, cpuMsPerCall: 100 },
  source: `import { definePlugin, defineTool } from '@roku/plugin-api';

export const greet = defineTool({
  name: 'greet',
  handler: (input: { name?: string }) => ({ greeting: \`Hello, \${input.name ?? 'world'}!\` }),
});

export default definePlugin({ tools: [greet] });
`,
  test: `${TEST_HEAD}${LOAD}
test('greet greets by name', async () => {
  assert.deepEqual(await plugin.callTool('greet', { name: 'Ada' }), { greeting: 'Hello, Ada!' });
});

test('greet refuses input its inputSchema does not allow, before the code runs', async () => {
  await assert.rejects(plugin.callTool('greet', { name: 42 }), (err: { code?: string }) => {
    assert.match(String(err.code), /^ROKU_/);
    return true;
  });
});
${CONFORMANCE}`,
  readme:
    'The host offers `greet` to the model; when the model calls it, the host checks the arguments against ' +
    '`inputSchema`, calls `handler(input, ctx)` in the sandbox and checks the result against `outputSchema`.',
};

const PROVIDER: KindTemplate = {
  description: 'A Roku LLM provider that echoes the last user message (replace chat with your upstream).',
  contributes: {
    providers: [
      {
        name: 'echo',
        description: 'Echoes the last user message, streamed word by word.',
        models: [
          {
            id: 'echo-1',
            contextWindow: 8192,
            maxOutputTokens: 1024,
            capabilities: ['streaming'],
          },
        ],
      },
    ],
  },
  permissions: {},
  limits: { memoryMb: 32, cpuMsPerCall: 500 },
  source: `import { definePlugin, defineProvider } from '@roku/plugin-api';
import type { ChatRequest, ChatResponse, PluginContext } from '@roku/plugin-api';

/** Rough token count (4 characters a token): a real provider reports its upstream's usage. */
const tokens = (text: string): number => Math.ceil(text.length / 4);

export async function chat(request: ChatRequest, ctx: PluginContext): Promise<ChatResponse> {
  const last = [...request.messages].reverse().find((m) => m.role === 'user');
  const text = \`Echo: \${last?.content ?? ''}\`;
  // Stream: the host shows text-delta events as they come; the returned message is the whole answer.
  for (const word of text.split(/(?<= )/)) await ctx.emit({ type: 'text-delta', text: word });
  const usage = {
    inputTokens: request.messages.reduce((n, m) => n + tokens(m.content), 0),
    outputTokens: tokens(text),
  };
  await ctx.emit({ type: 'usage', usage });
  return { message: { role: 'assistant', content: text }, finishReason: 'stop', usage, model: request.model };
}

export default definePlugin({ providers: [defineProvider({ name: 'echo', chat })] });
`,
  test: `${TEST_HEAD}${LOAD}
test('chat answers the last user message and streams it as text-delta events', async () => {
  const response = (await plugin.call('provider:echo:chat', {
    model: 'echo-1',
    messages: [{ role: 'user', content: 'hello there' }],
  })) as { message: { content: string }; finishReason: string; usage: { outputTokens: number } };
  assert.equal(response.message.content, 'Echo: hello there');
  assert.equal(response.finishReason, 'stop');
  assert.ok(response.usage.outputTokens > 0);
  const streamed = (plugin.events as { type: string; text?: string }[])
    .filter((e) => e.type === 'text-delta')
    .map((e) => e.text)
    .join('');
  assert.equal(streamed, 'Echo: hello there');
});
${CONFORMANCE}`,
  readme:
    'The host calls `chat(request, ctx)` (op `provider:echo:chat`) for every model request routed to ' +
    '`echo/echo-1`; stream with `ctx.emit({ type: "text-delta", text })`, return the whole message, ' +
    'throw `ProviderError(code, …)` for upstream failures so the router can retry or fail over.',
};

const MEMORY: KindTemplate = {
  description: 'A Roku memory slot: per-session records in the plugin key-value store, recalled by keyword.',
  contributes: {
    memorySlot: { name: 'notes', description: 'Per-session notes recalled by keyword overlap.' },
  },
  permissions: {},
  limits: { memoryMb: 32, cpuMsPerCall: 500, storageBytes: 4194304 },
  source: `import { defineMemorySlot, definePlugin } from '@roku/plugin-api';
import type { MemoryRecord, MemoryScope, PluginContext } from '@roku/plugin-api';

// One kv entry per session of a workspace holds its records: both ids come from the host, never from the
// model. (Sharing scope "workspace" records across sessions would key those by workspaceId alone.)
const key = ({ workspaceId = '', sessionId }: MemoryScope): string => \`records:\${workspaceId}:\${sessionId}\`;

async function load(ctx: PluginContext, scope: MemoryScope): Promise<MemoryRecord[]> {
  const raw = await ctx.kv.get(key(scope));
  return raw === null ? [] : (JSON.parse(raw) as MemoryRecord[]);
}

const words = (text: string): Set<string> => new Set(text.toLowerCase().match(/[a-z0-9]+/g) ?? []);

export const notes = defineMemorySlot({
  name: 'notes',
  async write({ records, ...scope }, ctx) {
    const stored = await load(ctx, scope);
    for (const r of records) {
      stored.push({ ...r, id: r.id ?? \`n\${Date.now().toString(36)}-\${stored.length}\`, createdAt: Date.now() });
    }
    await ctx.kv.set(key(scope), JSON.stringify(stored.slice(-500)));
  },
  async recall({ query, limit, ...scope }, ctx) {
    const wanted = words(query);
    return (await load(ctx, scope))
      .map((r) => ({ ...r, score: [...words(r.text)].filter((w) => wanted.has(w)).length }))
      .filter((r) => r.score > 0)
      .sort((a, b) => b.score - a.score)
      .slice(0, limit);
  },
  async forget({ ids, ...scope }, ctx) {
    const drop = new Set(ids);
    const kept = (await load(ctx, scope)).filter((r) => r.id === undefined || !drop.has(r.id));
    await ctx.kv.set(key(scope), JSON.stringify(kept));
  },
  async list({ limit, ...scope }, ctx) {
    return (await load(ctx, scope)).reverse().slice(0, limit);
  },
});

export default definePlugin({ memorySlot: notes });
`,
  test: `${TEST_HEAD}${LOAD}
test('recalls what it stored, by keyword, and only in the same session', async () => {
  await plugin.call('memory:write', { sessionId: 's1', records: [{ text: 'The deploy key lives in vault' }] });
  const found = (await plugin.call('memory:recall', { sessionId: 's1', query: 'where is the deploy key', limit: 5 })) as { text: string }[];
  assert.deepEqual(found.map((r) => r.text), ['The deploy key lives in vault']);
  assert.deepEqual(await plugin.call('memory:recall', { sessionId: 's2', query: 'deploy key', limit: 5 }), []);
});

test('forget deletes a record by id', async () => {
  await plugin.call('memory:write', { sessionId: 's3', records: [{ id: 'a', text: 'forget me' }] });
  await plugin.call('memory:forget', { sessionId: 's3', ids: ['a'] });
  assert.deepEqual(await plugin.call('memory:list', { sessionId: 's3', limit: 10 }), []);
});
${CONFORMANCE}`,
  readme:
    'With `plugins.memorySlot` set to this plugin id, the host calls `recall` once per run with the goal as ' +
    'query (the records go into the prompt) and `write`/`forget`/`list` for `roku memory …` and the model. ' +
    'Every input carries the `sessionId` the host chose.',
};

const CONTEXT: KindTemplate = {
  description: 'A Roku context engine: keeps the system prompt and the newest messages that fit the window.',
  contributes: {
    contextEngine: {
      name: 'window',
      description: 'Keeps system messages and the newest turns that fit the context window.',
    },
  },
  permissions: {},
  limits: { memoryMb: 32, cpuMsPerCall: 500 },
  source: `import { defineContextEngine, definePlugin } from '@roku/plugin-api';
import type { ChatMessage, ContextInput, ContextResult } from '@roku/plugin-api';

const tokens = (m: ChatMessage): number => Math.ceil((m.content.length + 16) / 4);

/**
 * Keeps every system message and the newest others that fit under the threshold. The cut never starts at a
 * tool result (its tool call would be gone: an orphan the provider rejects), and the newest user turn stays.
 */
export function fit(input: ContextInput): ContextResult {
  const { messages } = input.request;
  const budget = Math.floor(input.contextWindow * input.compactThresholdRatio) - (input.overheadTokens ?? 0);
  const system = messages.filter((m) => m.role === 'system');
  let used = system.reduce((n, m) => n + tokens(m), 0);
  let cut = messages.length;
  while (cut > 0) {
    const m = messages[cut - 1];
    if (m === undefined || (m.role !== 'system' && used + tokens(m) > budget)) break;
    if (m.role !== 'system') used += tokens(m);
    cut -= 1;
  }
  const lastUser = messages.map((m) => m.role).lastIndexOf('user');
  if (lastUser >= 0 && cut > lastUser) cut = lastUser;
  while (messages[cut]?.role === 'tool') cut += 1;
  const kept = [...system, ...messages.slice(cut).filter((m) => m.role !== 'system')];
  return { request: { ...input.request, messages: kept } };
}

export default definePlugin({
  contextEngine: defineContextEngine({ name: 'window', beforeRequest: fit, compact: fit }),
});
`,
  test: `${TEST_HEAD}${LOAD}
const request = (messages: unknown[]) => ({
  request: { model: 'm', messages },
  contextWindow: 60,
  compactThresholdRatio: 1,
});

test('keeps the system prompt and the newest turn when the history does not fit', async () => {
  const long = 'x'.repeat(200);
  const result = (await plugin.call('context:beforeRequest', request([
    { role: 'system', content: 'You are helpful.' },
    { role: 'user', content: long },
    { role: 'assistant', content: long },
    { role: 'user', content: 'newest' },
  ]))) as { request: { messages: { role: string; content: string }[] } };
  assert.deepEqual(result.request.messages.map((m) => m.content), ['You are helpful.', 'newest']);
});

test('never starts the kept history with an orphaned tool result', async () => {
  const result = (await plugin.call('context:beforeRequest', request([
    { role: 'user', content: 'x'.repeat(400) },
    { role: 'assistant', content: '', toolCalls: [{ id: 'c1', name: 't', arguments: {} }] },
    { role: 'tool', content: 'result', toolCallId: 'c1' },
    { role: 'assistant', content: 'done' },
  ]))) as { request: { messages: { role: string }[] } };
  assert.notEqual(result.request.messages[0]?.role, 'tool');
});
${CONFORMANCE}`,
  readme:
    'With `plugins.contextEngine` set to this plugin id, the host calls `beforeRequest` before every model ' +
    "request with the whole request, the model's window and the threshold, and sends what it returns; " +
    '`compact` runs on `/compact` and when the provider says the window was exceeded.',
};

/** The template of each kind. */
export const KIND_TEMPLATES: Readonly<Record<InitKind, KindTemplate>> = {
  tool: TOOL,
  provider: PROVIDER,
  memory: MEMORY,
  context: CONTEXT,
  subagent: SUBAGENT,
  bridge: BRIDGE,
};
