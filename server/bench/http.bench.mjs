#!/usr/bin/env node
// pnpm bench http: what `roku serve` adds on top of the model, against a loopback OpenAI-compatible upstream
// reached through a real provider plugin (examples/provider-openai, the official openai SDK in its sandbox).
//  1. added time to first token: the OpenAI facade (stream) vs the upstream called directly, interleaved blocks
//  2. concurrent streaming runs (ROKU_BENCH_STREAMS, default 1,000) with the scripted provider answering after
//     200 ms (what the server carries), and (ROKU_BENCH_PROVIDER_STREAMS, default 100) through the openai plugin:
//     time to first token of each under load vs the agent in-process and the upstream at the same concurrency
//  3. non-streaming requests per second (mode wait) vs the upstream directly, same concurrency
//  4. memory per open stream: server RSS and heap (its /metrics) with K streams open on one live run
// The server runs as `roku serve` in its own process; figures only, no assertions.
import { spawn } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createAgentRuntime, loadConfig } from '@roku/host';
import { pino } from 'pino';
import { createTokenStore, openServerDb } from '../dist/index.js';

const repo = fileURLToPath(new URL('../../', import.meta.url));
const STREAMS = Number(process.env.ROKU_BENCH_STREAMS ?? 1000);
const PROVIDER_STREAMS = Number(process.env.ROKU_BENCH_PROVIDER_STREAMS ?? 100);
const TTFT_SAMPLES = Number(process.env.ROKU_BENCH_TTFT ?? 200);
const WAIT_SECONDS = Number(process.env.ROKU_BENCH_SECONDS ?? 5);
const OPEN_STREAMS = Number(process.env.ROKU_BENCH_OPEN ?? 500);

const pct = (xs, p) => {
  const s = xs.slice().sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? NaN;
};
const ms = (x) => `${x.toFixed(2)} ms`;
const now = () => performance.now();

// --- the upstream: OpenAI chat completions, streamed; "wait:<ms>" in the last user message delays the answer ---
const upstream = createServer((req, res) => {
  let body = '';
  req.on('data', (d) => (body += d));
  req.on('end', () => {
    const parsed = JSON.parse(body || '{}');
    const last = [...(parsed.messages ?? [])].reverse().find((m) => m.role === 'user');
    const text = typeof last?.content === 'string' ? last.content : '';
    const delay = Number(/wait:(\d+)/.exec(text)?.[1] ?? 0);
    const id = 'chatcmpl-up';
    const chunk = (delta, finish = null, usage) =>
      `data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created: 0, model: parsed.model, choices: [{ index: 0, delta, finish_reason: finish }], ...(usage ? { usage } : {}) })}\n\n`;
    const finish = () => {
      if (parsed.stream !== true) {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify({
            id,
            object: 'chat.completion',
            created: 0,
            model: parsed.model,
            choices: [
              {
                index: 0,
                message: { role: 'assistant', content: 'Hello from upstream' },
                finish_reason: 'stop',
              },
            ],
            usage: { prompt_tokens: 10, completion_tokens: 3, total_tokens: 13 },
          }),
        );
        return;
      }
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(chunk({ role: 'assistant', content: 'Hello' }));
      res.write(chunk({ content: ' from upstream' }));
      res.write(chunk({}, 'stop', { prompt_tokens: 10, completion_tokens: 3, total_tokens: 13 }));
      res.end('data: [DONE]\n\n');
    };
    if (delay > 0) setTimeout(finish, delay);
    else finish();
  });
});
await new Promise((r) => upstream.listen(0, '127.0.0.1', r));
const origin = `http://127.0.0.1:${upstream.address().port}`;

// --- roku serve on a temp home, with the provider plugin pointed at the upstream ---
const root = mkdtempSync(join(tmpdir(), 'roku-bench-http-'));
const home = join(root, 'home');
mkdirSync(home, { recursive: true });
const pluginDir = join(root, 'provider-openai');
cpSync(join(repo, 'examples/provider-openai'), pluginDir, {
  recursive: true,
  filter: (src) => !src.includes('node_modules'),
});
// The isolate's CPU clock is shared by the calls running in it at once, so under hundreds of concurrent streams
// the manifest's 2 s per call is reached by the sum of them and the plugin is quarantined: raised for the bench.
const manifestFile = join(pluginDir, 'roku.plugin.json');
const manifest = JSON.parse(readFileSync(manifestFile, 'utf8'));
manifest.limits = { ...manifest.limits, cpuMsPerCall: 60_000, memoryMb: 512 };
writeFileSync(manifestFile, JSON.stringify(manifest));
writeFileSync(
  join(home, 'config.json'),
  JSON.stringify({
    log: { level: 'error' },
    agent: { defaultModel: 'openai/gpt-4o-mini', initialBackoffMs: 1 },
    plugins: {
      devDirs: [pluginDir, join(repo, 'plugins/provider-scripted')],
      settings: {
        '@roku/example-provider-openai': { baseURL: `${origin}/v1` },
        '@roku/plugin-provider-scripted': { delayMs: 200 },
      },
      grants: {
        '@roku/example-provider-openai': {
          network: [origin],
          limits: { concurrency: 1024, httpConcurrency: 256 },
        },
      },
    },
  }),
);
const db = openServerDb(home);
const token = createTokenStore(db).create('bench', ['chat', 'metrics']).token;
db.close();
const child = spawn(
  process.execPath,
  [join(repo, 'cli/dist/bin.js'), 'serve', '--port', '0', '--rate-limit', '1000000', '--grace', '1000'],
  {
    cwd: root,
    env: { ...process.env, ROKU_HOME: home, OPENAI_API_KEY: 'sk-bench' },
    stdio: ['ignore', 'pipe', 'inherit'],
  },
);
const url = await new Promise((resolve, reject) => {
  let out = '';
  child.stdout.on('data', (d) => {
    out += d;
    const m = /listening on (\S+)/.exec(out);
    if (m) resolve(m[1]);
  });
  child.once('exit', (code) => reject(new Error(`roku serve exited ${code}`)));
});
const auth = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };

// The same agent in this process, without HTTP: what the server adds is measured against it too.
const directHome = join(root, 'direct-home');
mkdirSync(directHome, { recursive: true });
cpSync(join(home, 'config.json'), join(directHome, 'config.json'));
const directEnv = { ROKU_HOME: directHome, OPENAI_API_KEY: 'sk-bench' };
const runtime = await createAgentRuntime({
  config: loadConfig({ env: directEnv }).config,
  home: directHome,
  workspace: root,
  logger: pino({ level: 'silent' }),
  env: directEnv,
});
let directSession = 0;
/** Time to the first text delta of a run driven in this process. */
async function runtimeFirstToken(goal, model) {
  const t0 = now();
  let first;
  const result = await runtime.run(
    { sessionId: `direct-${directSession++}`, goal, approvalMode: 'deny', ...(model ? { model } : {}) },
    {
      onEvent: (e) => {
        if (first === undefined && e.type === 'LlmTextDelta') first = now() - t0;
      },
    },
  );
  if (first === undefined) throw new Error(`no token: ${result.status} ${result.message}`);
  return first;
}

/** Time to the first text chunk of an SSE answer (`match` tells a text chunk), then drains it. */
async function firstToken(target, body, match) {
  const t0 = now();
  const res = await fetch(target, { method: 'POST', headers: auth, body: JSON.stringify(body) });
  if (!res.ok) throw new Error(`${res.status} ${await res.text()}`);
  const reader = res.body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  let first;
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += decoder.decode(value, { stream: true });
    if (first === undefined && match(buffer)) first = now() - t0;
  }
  if (first === undefined) {
    const error = /event: (?:Error|end)\ndata: (.*)/.exec(buffer)?.[1];
    throw new Error(`no token: ${(error ?? buffer).slice(0, 300)}`);
  }
  return first;
}
const upstreamText = (b) => b.includes('"content":"Hello"');
const facadeText = (b) => b.includes('"content":"Hello');
const direct = (goal) =>
  firstToken(
    `${origin}/v1/chat/completions`,
    { model: 'gpt-4o-mini', stream: true, messages: [{ role: 'user', content: goal }] },
    upstreamText,
  );
const facade = (goal) =>
  firstToken(
    `${url}/v1/chat/completions`,
    { model: 'roku', stream: true, messages: [{ role: 'user', content: goal }] },
    facadeText,
  );
const sseRun = (session, goal, model) =>
  firstToken(`${url}/v1/sessions/${session}/runs`, { goal, ...(model ? { model } : {}) }, (b) =>
    b.includes('event: LlmTextDelta'),
  );

// Warm up: the sandbox, the SDK bundle, JIT on both sides.
for (let i = 0; i < 20; i++) {
  await direct('hi');
  await facade('hi');
  await runtimeFirstToken('hi');
}

// 1. Added time to first token, interleaved blocks of 20.
const up = [];
const via = [];
const inProcess = [];
for (let i = 0; i < TTFT_SAMPLES; i += 20) {
  for (let j = 0; j < 20; j++) up.push(await direct('hi'));
  for (let j = 0; j < 20; j++) inProcess.push(await runtimeFirstToken('hi'));
  for (let j = 0; j < 20; j++) via.push(await facade('hi'));
}
console.log('added time to first token (OpenAI facade, streaming, one request at a time)');
console.log(`  goal      added p50 <= 2 ms`);
console.log(`  baseline  upstream direct: p50 ${ms(pct(up, 50))}  p99 ${ms(pct(up, 99))}`);
console.log(
  `  baseline  the agent in-process (no HTTP): p50 ${ms(pct(inProcess, 50))}  p99 ${ms(pct(inProcess, 99))}`,
);
console.log(`  roku      through roku serve: p50 ${ms(pct(via, 50))}  p99 ${ms(pct(via, 99))}`);
console.log(
  `  added     vs upstream: p50 ${ms(pct(via, 50) - pct(up, 50))}  p99 ${ms(pct(via, 99) - pct(up, 99))}; by HTTP alone (vs in-process): p50 ${ms(pct(via, 50) - pct(inProcess, 50))}`,
);

// 2. Concurrent streaming runs: each on its own session; the upstream holds every answer 200 ms so all are open together.
async function concurrent(n, one) {
  const started = now();
  const results = await Promise.allSettled(Array.from({ length: n }, (_, i) => one(i)));
  const ok = results.filter((r) => r.status === 'fulfilled').map((r) => r.value);
  const errors = results.filter((r) => r.status === 'rejected');
  return { ok, errors, wallMs: now() - started, firstError: errors[0]?.reason?.message };
}
/** One concurrency figure: `n` SSE runs at once on `model`, against the agent in-process (and the upstream). */
async function concurrencySection(n, model, title, upstream) {
  const baseRun = upstream ? await concurrent(n, () => direct('wait:200')) : undefined;
  const inProcessRun = await concurrent(n, () => runtimeFirstToken('wait:200', model));
  const served = await concurrent(n, (i) =>
    sseRun(`bench-${model.replace('/', '-')}-${i}-${Date.now()}`, 'wait:200', model),
  );
  console.log('');
  console.log(`concurrent streaming runs (${n} at once, SSE, each its own session; ${title})`);
  console.log(`  goal      ${n} streams, p99 added <= 50 ms, no errors`);
  if (baseRun !== undefined) {
    console.log(
      `  baseline  upstream direct: p50 ${ms(pct(baseRun.ok, 50))}  p99 ${ms(pct(baseRun.ok, 99))}  errors ${baseRun.errors.length}`,
    );
  }
  const errorText = (r) =>
    `errors ${r.errors.length}${r.firstError ? ` (${r.firstError.slice(0, 140)})` : ''}`;
  console.log(
    `  baseline  the agent in-process (no HTTP): p50 ${ms(pct(inProcessRun.ok, 50))}  p99 ${ms(pct(inProcessRun.ok, 99))}  ${errorText(inProcessRun)}`,
  );
  console.log(
    `  roku      first token: p50 ${ms(pct(served.ok, 50))}  p99 ${ms(pct(served.ok, 99))}  ${errorText(served)}  wall ${ms(served.wallMs)}`,
  );
  console.log(
    `  added     by HTTP (vs in-process): p50 ${ms(pct(served.ok, 50) - pct(inProcessRun.ok, 50))}  p99 ${ms(pct(served.ok, 99) - pct(inProcessRun.ok, 99))}`,
  );
}
await concurrencySection(
  STREAMS,
  'scripted/scripted-1',
  'the scripted provider in its sandbox answers after 200 ms',
  false,
);
await concurrencySection(
  PROVIDER_STREAMS,
  'openai/gpt-4o-mini',
  'through the openai plugin; the upstream answers after 200 ms',
  true,
);

// 3. Non-streaming requests per second at concurrency 32, interleaved: upstream direct, then through the server.
async function throughput(seconds, request) {
  const end = now() + seconds * 1000;
  let done = 0;
  let errors = 0;
  await Promise.all(
    Array.from({ length: 32 }, async () => {
      while (now() < end) {
        try {
          const res = await request();
          if (res.ok) done++;
          else errors++;
          await res.arrayBuffer();
        } catch {
          errors++;
        }
      }
    }),
  );
  return { perSecond: done / seconds, errors };
}
const directWait = () =>
  fetch(`${origin}/v1/chat/completions`, {
    method: 'POST',
    headers: auth,
    body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }),
  });
let session = 0;
const servedWait = () =>
  fetch(`${url}/v1/sessions/wait-${session++}/runs`, {
    method: 'POST',
    headers: auth,
    body: JSON.stringify({ goal: 'hi', mode: 'wait' }),
  });
const half = WAIT_SECONDS / 2;
// The agent in this process: a run per request, as the server does, without HTTP.
const inProcessWait = async () => {
  const result = await runtime.run({
    sessionId: `direct-${directSession++}`,
    goal: 'hi',
    approvalMode: 'deny',
  });
  return { ok: result.status === 'succeeded', arrayBuffer: () => Promise.resolve() };
};
const d1 = await throughput(half, directWait);
const i1 = await throughput(half, inProcessWait);
const s1 = await throughput(half, servedWait);
const d2 = await throughput(half, directWait);
const i2 = await throughput(half, inProcessWait);
const s2 = await throughput(half, servedWait);
console.log('');
console.log(
  'non-streaming requests per second (POST /v1/sessions/{id}/runs mode wait, 32 at a time, a run each)',
);
console.log(
  `  goal      as many as the model allows; the figure is the server's ceiling with a zero-latency model`,
);
console.log(
  `  baseline  upstream direct: ${((d1.perSecond + d2.perSecond) / 2).toFixed(0)} req/s  errors ${d1.errors + d2.errors}`,
);
console.log(
  `  baseline  the agent in-process (no HTTP): ${((i1.perSecond + i2.perSecond) / 2).toFixed(0)} runs/s  errors ${i1.errors + i2.errors}`,
);
console.log(
  `  roku      through roku serve: ${((s1.perSecond + s2.perSecond) / 2).toFixed(0)} req/s  errors ${s1.errors + s2.errors}`,
);

// 4. Memory per open stream: K clients on one live run (the upstream holds its answer 5 s).
async function serverMemory() {
  const text = await (await fetch(`${url}/metrics`, { headers: auth })).text();
  const read = (name) => Number(new RegExp(`^${name} (\\S+)`, 'm').exec(text)?.[1] ?? NaN);
  return { rss: read('process_resident_memory_bytes'), heap: read('nodejs_heap_size_used_bytes') };
}
const live = await (
  await fetch(`${url}/v1/sessions/mem/runs`, {
    method: 'POST',
    headers: auth,
    body: JSON.stringify({ goal: 'wait:8000', mode: 'background' }),
  })
).json();
await new Promise((r) => setTimeout(r, 300));
const before = await serverMemory();
const controllers = [];
const opened = await Promise.all(
  Array.from({ length: OPEN_STREAMS }, async () => {
    const controller = new AbortController();
    controllers.push(controller);
    const res = await fetch(`${url}/v1/runs/${live.id}/events`, { headers: auth, signal: controller.signal });
    const reader = res.body.getReader();
    await reader.read();
    return reader;
  }),
);
await new Promise((r) => setTimeout(r, 500));
const during = await serverMemory();
for (const c of controllers) c.abort();
console.log('');
console.log(
  `memory per open stream (${opened.length} SSE clients on one live run; the server's own /metrics)`,
);
console.log(`  goal      a few KiB per stream`);
console.log(
  `  baseline  server with the run and no stream: rss ${(before.rss / 2 ** 20).toFixed(1)} MiB, heap ${(before.heap / 2 ** 20).toFixed(1)} MiB`,
);
console.log(
  `  roku      per stream: rss ${((during.rss - before.rss) / opened.length / 1024).toFixed(1)} KiB, heap ${((during.heap - before.heap) / opened.length / 1024).toFixed(1)} KiB`,
);

await runtime.close();
child.kill('SIGTERM');
await new Promise((r) => child.once('exit', r));
upstream.close();
rmSync(root, { recursive: true, force: true });
process.exit(0);
