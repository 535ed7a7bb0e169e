#!/usr/bin/env node
// pnpm bench providers: time to first token and full-stream time through each first-party provider plugin
// (the official SDK bundled in its isolate, requests through the host's checked fetch) against the same SDK
// called directly in this process, on the same loopback server speaking each wire format: each call in a fresh
// realm, and the calls of one session. Interleaved blocks; prints p50/p99 of each, the added milliseconds
// against the goal and the ratio. Asserts nothing.
import { once } from 'node:events';
import { createServer } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { createPluginHost, createRootLogger } from '../dist/index.js';

const repo = fileURLToPath(new URL('../../', import.meta.url));
const BLOCKS = Number(process.env.ROKU_BENCH_BLOCKS ?? 10);
const PER_BLOCK = Number(process.env.ROKU_BENCH_PER_BLOCK ?? 20);
// issue 13: added time to first token <= 0.5 ms p50 over the SDK called directly
const GOAL = { p50: 0.5, p99: 3 };
const KEY = 'sk-bench-0123456789';

const sse = (data, event) =>
  `${event === undefined ? '' : `event: ${event}\n`}data: ${JSON.stringify(data)}\n\n`;

/** Each wire format as [first frames (with the first token), the rest], the rest sent a tick later. */
function chatFrames() {
  const c = (delta, finish = null) =>
    sse({
      id: 'c',
      object: 'chat.completion.chunk',
      created: 1,
      model: 'gpt-4o-mini',
      choices: [{ index: 0, delta, finish_reason: finish }],
    });
  return [
    c({ role: 'assistant', content: 'Hello' }),
    c({ content: ' there, this is the rest of the answer.' }) +
      c({}, 'stop') +
      sse({
        id: 'c',
        object: 'chat.completion.chunk',
        created: 1,
        model: 'gpt-4o-mini',
        choices: [],
        usage: { prompt_tokens: 5, completion_tokens: 9, total_tokens: 14 },
      }) +
      'data: [DONE]\n\n',
  ];
}
function responsesFrames() {
  const e = (type, body) => sse({ type, ...body }, type);
  const response = (status) => ({
    id: 'r',
    object: 'response',
    created_at: 1,
    model: 'gpt-5',
    status,
    output: [],
  });
  return [
    e('response.created', { response: response('in_progress') }) +
      e('response.output_item.added', {
        output_index: 0,
        item: { type: 'message', id: 'm', role: 'assistant', content: [] },
      }) +
      e('response.output_text.delta', { item_id: 'm', output_index: 0, content_index: 0, delta: 'Hello' }),
    e('response.output_text.delta', {
      item_id: 'm',
      output_index: 0,
      content_index: 0,
      delta: ' there, the rest.',
    }) +
      e('response.completed', {
        response: {
          ...response('completed'),
          usage: {
            input_tokens: 5,
            output_tokens: 9,
            total_tokens: 14,
            input_tokens_details: { cached_tokens: 0 },
            output_tokens_details: { reasoning_tokens: 0 },
          },
        },
      }),
  ];
}
function anthropicFrames() {
  const e = (type, body) => sse({ type, ...body }, type);
  return [
    e('message_start', {
      message: {
        id: 'msg',
        type: 'message',
        role: 'assistant',
        model: 'claude-sonnet-4-6',
        content: [],
        stop_reason: null,
        stop_sequence: null,
        usage: { input_tokens: 5, output_tokens: 1 },
      },
    }) +
      e('content_block_start', { index: 0, content_block: { type: 'text', text: '' } }) +
      e('content_block_delta', { index: 0, delta: { type: 'text_delta', text: 'Hello' } }),
    e('content_block_delta', { index: 0, delta: { type: 'text_delta', text: ' there, the rest.' } }) +
      e('content_block_stop', { index: 0 }) +
      e('message_delta', {
        delta: { stop_reason: 'end_turn', stop_sequence: null },
        usage: { output_tokens: 9 },
      }) +
      e('message_stop', {}),
  ];
}
const FRAMES = {
  '/v1/chat/completions': chatFrames(),
  '/v1/responses': responsesFrames(),
  '/v1/messages': anthropicFrames(),
};

const server = createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    const [first, rest] = FRAMES[req.url] ?? ['', ''];
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    res.write(first);
    setImmediate(() => res.end(rest));
  });
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1');
await once(server, 'listening');
const origin = `http://127.0.0.1:${server.address().port}`;
const messages = [{ role: 'user', content: 'Say hello.' }];

/** Failed requests by provider, side and error code: printed with the figures, never a crash of the bench. */
const failures = new Map();

/** Times one streamed request: ms to the first text, ms to the end; undefined when it failed (counted). */
async function timed(run, label) {
  const start = performance.now();
  let first;
  try {
    await run(() => {
      first ??= performance.now() - start;
    });
  } catch (err) {
    const key = `${label}: ${err?.code ?? err?.name ?? 'error'}`;
    failures.set(key, (failures.get(key) ?? 0) + 1);
    if (failures.get(key) === 1) console.log(`failed: ${key}: ${err?.message ?? err}`);
    return undefined;
  }
  return { ttft: first ?? Number.NaN, full: performance.now() - start };
}

const openai = new OpenAI({ apiKey: KEY, baseURL: `${origin}/v1`, maxRetries: 0 });
const anthropic = new Anthropic({
  apiKey: null,
  authToken: null,
  defaultHeaders: { 'x-api-key': KEY },
  baseURL: origin,
  maxRetries: 0,
});
const direct = {
  'openai (chat completions)': async (onText) => {
    const stream = await openai.chat.completions.create({ model: 'gpt-4o-mini', messages, stream: true });
    for await (const part of stream) if (part.choices[0]?.delta?.content) onText();
  },
  'openai (responses)': async (onText) => {
    const stream = await openai.responses.create({
      model: 'gpt-5',
      input: messages,
      stream: true,
      store: false,
    });
    for await (const event of stream) if (event.type === 'response.output_text.delta') onText();
  },
  anthropic: async (onText) => {
    const stream = await anthropic.messages.create({
      model: 'claude-sonnet-4-6',
      max_tokens: 1024,
      messages,
      stream: true,
    });
    for await (const event of stream) if (event.type === 'content_block_delta') onText();
  },
  'openai-compatible': async (onText) => {
    const stream = await openai.chat.completions.create({ model: 'llama3', messages, stream: true });
    for await (const part of stream) if (part.choices[0]?.delta?.content) onText();
  },
};

const home = mkdtempSync(join(tmpdir(), 'roku-bench-providers-'));
const host = createPluginHost({
  logger: createRootLogger({ level: 'silent' }),
  home,
  workspace: home,
  env: { OPENAI_API_KEY: KEY, ANTHROPIC_API_KEY: KEY },
});
const grants = { network: [origin] };
const load = (name) => host.loadFolder(join(repo, 'plugins', name), { grants });
const [openaiPlugin, anthropicPlugin, compatiblePlugin] = await Promise.all(
  ['provider-openai', 'provider-anthropic', 'provider-openai-compatible'].map(load),
);
// Without a session every call gets a fresh realm (a session's first call); the agent loop passes its session,
// so a session's later calls reuse the realm and the SDK client it left (both are measured).
const call = (plugin, op, model, config, session) => (onText) =>
  plugin.call(
    op,
    { model, messages },
    { config, ...(session ? { session } : {}), onEvent: (e) => e?.type === 'text-delta' && onText() },
  );
const sandboxedIn = (session) => ({
  'openai (chat completions)': call(
    openaiPlugin,
    'provider:openai:chat',
    'gpt-4o-mini',
    { baseURL: `${origin}/v1` },
    session,
  ),
  'openai (responses)': call(
    openaiPlugin,
    'provider:openai:chat',
    'gpt-5',
    { baseURL: `${origin}/v1` },
    session,
  ),
  anthropic: call(
    anthropicPlugin,
    'provider:anthropic:chat',
    'claude-sonnet-4-6',
    { baseURL: origin },
    session,
  ),
  'openai-compatible': call(
    compatiblePlugin,
    'provider:openai-compatible:chat',
    'llama3',
    { baseURL: `${origin}/v1` },
    session,
  ),
});
const sandboxed = sandboxedIn(undefined);
const inSession = sandboxedIn('bench-session');

const pct = (values, p) => {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};
const fmt = (n) => Number(n.toFixed(3));

console.log(
  `pnpm bench providers: goal <= ${GOAL.p50} ms added time to first token at p50, <= ${GOAL.p99} ms at p99`,
);
console.log(
  `${BLOCKS} interleaved blocks of ${PER_BLOCK} requests per side and provider, same loopback server\n`,
);
const rows = [];
const sessionRows = [];
for (const name of Object.keys(direct)) {
  for (let i = 0; i < 20; i++) {
    await timed(direct[name], `${name} warm-up`);
    await timed(sandboxed[name], `${name} warm-up`);
    await timed(inSession[name], `${name} warm-up`);
  }
  const base = [];
  const boxed = [];
  const session = [];
  for (let b = 0; b < BLOCKS; b++) {
    for (let i = 0; i < PER_BLOCK; i++) base.push(await timed(direct[name], `${name} direct`));
    for (let i = 0; i < PER_BLOCK; i++) boxed.push(await timed(sandboxed[name], `${name} fresh realm`));
    for (let i = 0; i < PER_BLOCK; i++) session.push(await timed(inSession[name], `${name} session`));
  }
  const of = (list, key, p) =>
    pct(
      list.filter((t) => t !== undefined).map((t) => t[key]),
      p,
    );
  const added50 = of(boxed, 'ttft', 50) - of(base, 'ttft', 50);
  const added99 = of(boxed, 'ttft', 99) - of(base, 'ttft', 99);
  const sessionAdded50 = of(session, 'ttft', 50) - of(base, 'ttft', 50);
  const sessionAdded99 = of(session, 'ttft', 99) - of(base, 'ttft', 99);
  sessionRows.push({
    provider: name,
    'ttft p50 direct': fmt(of(base, 'ttft', 50)),
    'ttft p50 session': fmt(of(session, 'ttft', 50)),
    'added p50': fmt(sessionAdded50),
    'added p99': fmt(sessionAdded99),
    'ttft ratio p50': fmt(of(session, 'ttft', 50) / of(base, 'ttft', 50)),
    'full p50 session': fmt(of(session, 'full', 50)),
    goal: sessionAdded50 <= GOAL.p50 && sessionAdded99 <= GOAL.p99 ? 'met' : 'not met',
  });
  rows.push({
    provider: name,
    'ttft p50 direct': fmt(of(base, 'ttft', 50)),
    'ttft p50 sandbox': fmt(of(boxed, 'ttft', 50)),
    'added p50': fmt(added50),
    'ttft p99 direct': fmt(of(base, 'ttft', 99)),
    'ttft p99 sandbox': fmt(of(boxed, 'ttft', 99)),
    'added p99': fmt(added99),
    'ttft ratio p50': fmt(of(boxed, 'ttft', 50) / of(base, 'ttft', 50)),
    'full p50 direct': fmt(of(base, 'full', 50)),
    'full p50 sandbox': fmt(of(boxed, 'full', 50)),
    'full ratio p50': fmt(of(boxed, 'full', 50) / of(base, 'full', 50)),
    goal: added50 <= GOAL.p50 && added99 <= GOAL.p99 ? 'met' : 'not met',
  });
}
console.log("Each call in a fresh realm (no session: a session's first call)");
console.table(rows);
console.log('Calls of one session (as the agent loop makes them: the realm and SDK client are reused)');
console.table(sessionRows);
console.log(
  `machine: ${availableParallelism()} cores, load average ${loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')} (other load inflates both sides)`,
);
for (const r of rows) {
  console.log(
    `${r.provider}: added TTFT p50 ${r['added p50']} ms (goal <= ${GOAL.p50}), p99 ${r['added p99']} ms (goal <= ${GOAL.p99}), ratio ${r['ttft ratio p50']}x; full stream ${r['full p50 sandbox']} ms vs ${r['full p50 direct']} ms: ${r.goal}`,
  );
}

for (const r of sessionRows) {
  console.log(
    `${r.provider}, within a session: added TTFT p50 ${r['added p50']} ms (goal <= ${GOAL.p50}), p99 ${r['added p99']} ms (goal <= ${GOAL.p99}), ratio ${r['ttft ratio p50']}x: ${r.goal}`,
  );
}
console.log(
  failures.size === 0
    ? 'failed requests: 0'
    : `failed requests (left out of the figures): ${[...failures].map(([key, n]) => `${key} ×${n}`).join('; ')}`,
);

await host.close();
server.closeAllConnections();
server.close();
rmSync(home, { recursive: true, force: true });
