#!/usr/bin/env node
// pnpm bench fetch: added time to first token through a sandboxed provider. The same loopback SSE server
// (OpenAI Chat Completions wire format) is asked by the official openai SDK called directly in this process
// (the baseline) and by the example provider plugin running that SDK in its isolate, whose requests go through
// the host's checked fetch (keep-alive per checked address, coalesced body reads). Interleaved blocks; prints
// p50/p99 of each and the difference against the goal. Asserts nothing.
import { once } from 'node:events';
import { createServer } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import OpenAI from 'openai';
import { request as httpRequest, Agent } from 'node:http';
import { lookup as dnsLookup } from 'node:dns/promises';
import { createCapabilityBroker, createKvStore, createPluginHost, createRootLogger } from '../dist/index.js';

const repo = fileURLToPath(new URL('../../', import.meta.url));
const BLOCKS = Number(process.env.ROKU_BENCH_BLOCKS ?? 20);
const PER_BLOCK = Number(process.env.ROKU_BENCH_PER_BLOCK ?? 25);
const GOAL_MS = 0.5;
const KEY = 'sk-bench-0123456789';

/** A streamed answer: the first token at once, the rest right after, then usage and [DONE]. */
function answer(res) {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  const chunk = (delta, finish = null, usage) =>
    `data: ${JSON.stringify({
      id: 'c1',
      object: 'chat.completion.chunk',
      created: 1,
      model: 'gpt-4o-mini',
      choices: usage ? [] : [{ index: 0, delta, finish_reason: finish }],
      ...(usage ? { usage } : {}),
    })}\n\n`;
  res.write(chunk({ role: 'assistant', content: 'Hello' }));
  setImmediate(() => {
    res.write(chunk({ content: ' there' }));
    res.write(chunk({}, 'stop'));
    res.write(chunk(null, null, { prompt_tokens: 5, completion_tokens: 2, total_tokens: 7 }));
    res.end('data: [DONE]\n\n');
  });
}

const server = createServer((req, res) => {
  req.resume();
  req.on('end', () => answer(res));
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1');
await once(server, 'listening');
const origin = `http://127.0.0.1:${server.address().port}`;

const request = {
  model: 'gpt-4o-mini',
  messages: [{ role: 'user', content: 'Say hello.' }],
};

// Baseline: the SDK in this process, streaming.
const client = new OpenAI({ apiKey: KEY, baseURL: `${origin}/v1`, maxRetries: 0 });
async function directTtft() {
  const start = performance.now();
  const stream = await client.chat.completions.create({ ...request, stream: true });
  let first;
  for await (const part of stream) {
    if (first === undefined && part.choices[0]?.delta?.content) first = performance.now() - start;
  }
  return first;
}

// Goal: the same SDK inside the sandbox, through the host's fetch.
const home = mkdtempSync(join(tmpdir(), 'roku-bench-fetch-'));
const host = createPluginHost({
  logger: createRootLogger({ level: 'silent' }),
  home,
  workspace: home,
  env: { OPENAI_API_KEY: KEY },
});
const provider = await host.loadFolder(join(repo, 'examples/provider-openai'), {
  grants: { network: [origin] },
});
const config = { baseURL: `${origin}/v1`, maxRetries: 0 };
async function sandboxTtft() {
  const start = performance.now();
  let first;
  await provider.call('provider:openai:chat', request, {
    config,
    onEvent: (event) => {
      if (first === undefined && event?.type === 'text-delta') first = performance.now() - start;
    },
  });
  return first;
}

function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}
const summary = (label, times) => {
  const s = [...times].sort((a, b) => a - b);
  return { label, p50: Number(percentile(s, 50).toFixed(3)), p99: Number(percentile(s, 99).toFixed(3)) };
};

for (let i = 0; i < 30; i++) {
  await directTtft();
  await sandboxTtft();
}
const direct = [];
const sandboxed = [];
for (let b = 0; b < BLOCKS; b++) {
  for (let i = 0; i < PER_BLOCK; i++) direct.push(await directTtft());
  for (let i = 0; i < PER_BLOCK; i++) sandboxed.push(await sandboxTtft());
}
const rows = [
  summary('openai SDK called directly (baseline)', direct),
  summary('openai SDK in the sandbox, host fetch', sandboxed),
];
console.log(`Time to first token, ms (${BLOCKS} interleaved blocks of ${PER_BLOCK} requests each)`);
console.table(rows);
const added = rows[1].p50 - rows[0].p50;
console.log(
  `added time to first token p50: ${added.toFixed(3)} ms (goal <= ${GOAL_MS} ms: ${added <= GOAL_MS ? 'met' : 'not met'})`,
);

// The host's part alone: fetch.start (and a fetch.read when the first bytes did not come with the headers)
// through the capability broker (policy check, pinned keep-alive connection, secret scan) against the same request made with node:http
// and a keep-alive agent, no policy. The difference is what the capability path adds per request.
const manifest = provider.manifest;
const kv = createKvStore(join(home, 'bench-kv.db'));
const grants = Object.freeze({ network: Object.freeze([origin]) });
const broker = createCapabilityBroker({
  manifest,
  pluginKey: `${manifest.id}@bench`,
  roots: { workspace: home, data: home, cache: home, temp: home },
  env: {},
  secrets: { OPENAI_API_KEY: KEY },
  kv,
  logger: createRootLogger({ level: 'silent' }),
  // one object, as the host's frozen config: the broker re-derives its policy only when the grants change
  grants: () => grants,
});
// A provider is reached by name: the same server as `provider.test`, resolved by the system resolver (a
// getaddrinfo of the loopback address: what a lookup costs at least, a cached answer of the OS).
const named = `http://provider.test:${server.address().port}`;
const namedGrants = Object.freeze({ network: Object.freeze([named]) });
const namedBroker = createCapabilityBroker({
  manifest,
  pluginKey: `${manifest.id}@bench-named`,
  roots: { workspace: home, data: home, cache: home, temp: home },
  env: {},
  secrets: { OPENAI_API_KEY: KEY },
  kv,
  logger: createRootLogger({ level: 'silent' }),
  grants: () => namedGrants,
  lookup: () => dnsLookup('127.0.0.1', { all: true }),
});
const startArgsFor = (base) =>
  JSON.stringify({
    op: 'fetch.start',
    args: {
      url: `${base}/v1/chat/completions`,
      method: 'POST',
      headers: [
        ['authorization', 'Bearer {{secret:OPENAI_API_KEY}}'],
        ['content-type', 'application/json'],
      ],
      body: JSON.stringify({ ...request, stream: true }),
      bodyEncoding: 'utf8',
      firstChunk: 'inline',
    },
  });
const startArgs = startArgsFor(origin);
const namedStartArgs = startArgsFor(named);
let callNo = 0;
async function brokerFirstChunk(through = broker, args = startArgs) {
  const scope = { callId: `c${++callNo}` };
  const start = performance.now();
  const started = JSON.parse(await through.handle(args, scope));
  if (!started.ok) throw new Error(JSON.stringify(started));
  const next = JSON.stringify({ op: 'fetch.read', args: { streamId: started.value.streamId } });
  // the bytes that came with the headers ride on the fetch.start reply; otherwise the first read waits for them
  let done = started.value.done;
  if (started.value.chunk === '' && !done) {
    const read = JSON.parse(await through.handle(next, scope));
    if (!read.ok) throw new Error(JSON.stringify(read));
    done = read.value.done;
  }
  const took = performance.now() - start;
  // read to the end, as the SDK does, so the connection goes back to the pool
  while (!done) done = JSON.parse(await through.handle(next, scope)).value.done;
  through.endCall(scope.callId);
  return took;
}
const namedFirstChunk = () => brokerFirstChunk(namedBroker, namedStartArgs);
const agent = new Agent({ keepAlive: true });
function rawFirstChunk() {
  return new Promise((resolve, reject) => {
    const start = performance.now();
    const req = httpRequest(
      `${origin}/v1/chat/completions`,
      {
        method: 'POST',
        agent,
        headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
      },
      (res) => {
        res.once('data', () => {
          const took = performance.now() - start;
          res.resume();
          res.on('end', () => resolve(took));
        });
      },
    );
    req.on('error', reject);
    req.end(JSON.stringify({ ...request, stream: true }));
  });
}
for (let i = 0; i < 50; i++) {
  await rawFirstChunk();
  await brokerFirstChunk();
  await namedFirstChunk();
}
const raw = [];
const brokered = [];
const byName = [];
for (let b = 0; b < BLOCKS; b++) {
  for (let i = 0; i < PER_BLOCK; i++) raw.push(await rawFirstChunk());
  for (let i = 0; i < PER_BLOCK; i++) brokered.push(await brokerFirstChunk());
  for (let i = 0; i < PER_BLOCK; i++) byName.push(await namedFirstChunk());
}
const hostRows = [
  summary('node:http keep-alive, first body bytes', raw),
  summary('capability broker fetch.start (+ read), first bytes', brokered),
  summary('the same by host name (system resolver)', byName),
];
console.log('\nThe host side alone, ms: request to first body bytes');
console.table(hostRows);
console.log(`added by the capability path p50: ${(hostRows[1].p50 - hostRows[0].p50).toFixed(3)} ms`);
console.log(
  `added by the capability path to a host name p50: ${(hostRows[2].p50 - hostRows[0].p50).toFixed(3)} ms (a kept DNS answer saves the lookup)`,
);
await broker.close();
await namedBroker.close();
kv.close();
agent.destroy();

await provider.dispose();
await host.close();
server.closeAllConnections();
server.close();
rmSync(home, { recursive: true, force: true });
