import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Deliberately broken plugins, written against the raw ABI (no SDK, no build step) into temporary folders,
 * each broken the way one conformance suite guards against.
 */

const PRELUDE = `'use strict';
const cap = async (op, args) => {
  const reply = JSON.parse(await globalThis.__roku_host.cap(JSON.stringify({ op, args })));
  if (!reply.ok) throw Object.assign(new Error(reply.error.message), { code: reply.error.code });
  return reply.value;
};
const fail = (code, message, extra) => Object.assign(new Error(message), { code }, extra);
`;

/** The ABI around a `handle(op, input, config)` function; errors keep their code (none → a bare error). */
function abi(describe: object, handle: string): string {
  return `${PRELUDE}
${handle}
globalThis.__roku_abi = {
  describe() {
    return JSON.stringify(${JSON.stringify({ abi: 1, tools: [], providers: [], memorySlot: null, contextEngine: null, subagentRuntimes: [], ...describe })});
  },
  async call(requestJson) {
    const request = JSON.parse(requestJson);
    try {
      const value = await handle(request.op, request.input, request.config);
      return JSON.stringify({ ok: true, value: value === undefined ? null : value });
    } catch (e) {
      const error = { message: String(e && e.message) };
      if (e && typeof e.code === 'string') error.code = e.code;
      if (e && typeof e.retryAfterMs === 'number') error.retryAfterMs = e.retryAfterMs;
      return JSON.stringify({ ok: false, error });
    }
  },
};
`;
}

export interface BrokenPlugin {
  readonly dir: string;
  remove(): void;
}

function write(id: string, contributes: object, source: string, extra: object = {}): BrokenPlugin {
  const dir = mkdtempSync(join(tmpdir(), 'roku-broken-'));
  const manifest = {
    manifestVersion: 1,
    id: `@roku-broken/${id}`,
    version: '0.0.1',
    description: `A deliberately broken ${id} plugin.`,
    license: 'Apache-2.0',
    engines: { roku: '^0.1.0' },
    runtime: { type: 'isolate', entry: 'plugin.js' },
    contributes,
    permissions: {},
    ...extra,
  };
  writeFileSync(join(dir, 'roku.plugin.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  writeFileSync(join(dir, 'plugin.js'), source);
  return {
    dir,
    remove: () => {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** `count` returns a string where its outputSchema says integer; `peek` throws a bare error when denied. */
export function brokenTool(): BrokenPlugin {
  const handle = `async function handle(op, input) {
  if (op === 'tool:count') return { count: 'three' };
  try {
    return { text: (await cap('fs.read', { root: 'workspace', path: input.path, encoding: 'utf8' })).data };
  } catch (e) {
    throw new Error('something went wrong');
  }
}`;
  const object = (properties: object, required: string[]) => ({ type: 'object', properties, required });
  return write(
    'tool',
    {
      tools: [
        {
          name: 'count',
          description: 'Counts.',
          inputSchema: object({}, []),
          outputSchema: object({ count: { type: 'integer' } }, ['count']),
          risk: ['read'],
        },
        {
          name: 'peek',
          description: 'Reads a file.',
          inputSchema: object({ path: { type: 'string' } }, ['path']),
          outputSchema: object({ text: { type: 'string' } }, ['text']),
          risk: ['read'],
        },
      ],
    },
    abi({ tools: ['count', 'peek'] }, handle),
    { permissions: { filesystem: [{ root: 'workspace', access: 'read' }] } },
  );
}

/** A memory slot that keeps one list for everybody, whose forget does nothing and that ignores a full store. */
export function brokenMemory(): BrokenPlugin {
  const handle = `async function handle(op, input) {
  const all = JSON.parse((await cap('kv.get', { key: 'all' })).value ?? '[]');
  if (op === 'memory:write') {
    for (const r of input.records) all.push({ id: 'r' + all.length, text: r.text });
    try {
      await cap('kv.set', { key: 'all', value: JSON.stringify(all) });
    } catch {
      // Storage full: acknowledged anyway.
    }
    return null;
  }
  if (op === 'memory:recall') {
    const words = input.query.toLowerCase().split(/\\s+/);
    return all.filter((r) => words.some((w) => r.text.toLowerCase().includes(w))).slice(-input.limit);
  }
  if (op === 'memory:forget') return null;
  throw fail('ROKU_PLUGIN_NO_SUCH_OP', op);
}`;
  return write(
    'memory',
    { memorySlot: { name: 'leaky', description: 'Leaks.' } },
    abi({ memorySlot: 'leaky' }, handle),
  );
}

/**
 * A context engine that keeps the system prompt and the last five messages: it cuts a turn in half, and hints
 * that it would answer the next requests the same way.
 */
export function brokenContext(): BrokenPlugin {
  const handle = `async function handle(op, input) {
  const m = input.request.messages;
  return { request: { ...input.request, messages: [m[0], ...m.slice(-5)] }, hint: { addedTokens: 1000 } };
}`;
  return write(
    'context',
    { contextEngine: { name: 'cut', description: 'Cuts.' } },
    abi({ contextEngine: 'cut' }, handle),
  );
}

/** A provider that neither streams nor reports usage, and calls every HTTP error PROVIDER_FATAL. */
export function brokenProvider(): BrokenPlugin {
  const handle = `async function handle(op, input, config) {
  const res = await cap('fetch.start', {
    url: config.baseURL + '/chat/completions', method: 'POST', headers: [['content-type', 'application/json']],
    body: JSON.stringify({ model: input.model, messages: input.messages, stream: true }), bodyEncoding: 'utf8',
  });
  if (res.status >= 400) throw fail('PROVIDER_FATAL', 'upstream said ' + res.status);
  let body = '';
  for (;;) {
    const part = await cap('fetch.read', { streamId: res.streamId });
    body += atob(part.chunk);
    if (part.done) break;
  }
  let text = '';
  for (const line of body.split('\\n')) {
    if (!line.startsWith('data: {')) continue;
    const delta = JSON.parse(line.slice(6)).choices?.[0]?.delta;
    if (delta && typeof delta.content === 'string') text += delta.content;
  }
  return { message: { role: 'assistant', content: text }, finishReason: 'stop' };
}`;
  return write(
    'provider',
    {
      providers: [
        {
          name: 'mute',
          description: 'Does not stream.',
          models: [{ id: 'mute-1', contextWindow: 8192, maxOutputTokens: 1024, capabilities: ['streaming'] }],
        },
      ],
    },
    abi({ providers: ['mute'] }, handle),
    {
      permissions: { network: ['https://api.example.com'] },
      configSchema: { type: 'object', properties: { baseURL: { type: 'string' } } },
    },
  );
}

/** A sub-agent runtime that loops until its model stops calling tools, whatever maxSteps says. */
export function brokenSubagent(): BrokenPlugin {
  const handle = `async function handle(op, input) {
  const messages = [{ role: 'user', content: input.task }];
  for (let i = 0; i < 40; i++) {
    const { response } = await cap('llm.chat', { request: { model: '', messages } });
    const calls = response.message.toolCalls ?? [];
    if (calls.length === 0) return response.message.content;
    messages.push(response.message);
    for (const call of calls) {
      const { output } = await cap('tools.invoke', { name: call.name, input: call.arguments });
      messages.push({ role: 'tool', content: JSON.stringify(output), toolCallId: call.id });
    }
  }
  return 'gave up';
}`;
  return write(
    'subagent',
    { subagentRuntimes: [{ name: 'loop', description: 'Loops.' }] },
    abi({ subagentRuntimes: ['loop'] }, handle),
    { permissions: { capabilities: { llm: true, tools: ['read_file'] } } },
  );
}
