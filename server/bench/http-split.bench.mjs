#!/usr/bin/env node
// pnpm bench http-split: where one streamed OpenAI-facade request's time to first token goes, the server in this
// process (so its runtime can be timed from outside): client -> runtime.run called (HTTP, auth, validation, the
// facade, the run manager: the server's share before the run), runtime.run -> RunStarted, RunStarted -> the
// upstream has the request (context, router, the provider's sandbox and its fetch), upstream -> first text
// event, first text event -> the client has it (the server's SSE share). Baseline, interleaved: the upstream
// called directly. Figures only, no assertions. ROKU_BENCH_SPLIT (default 300) requests, the first 60 warm up.
import { cpSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '@roku/host';
import { pino } from 'pino';
import { createTokenStore, openServerDb, startServer } from '../dist/index.js';
const repo = fileURLToPath(new URL('../../', import.meta.url));
const pct = (xs, p) => {
  const s = xs.slice().sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? NaN;
};
const upstream = createServer((req, res) => {
  let body = '';
  req.on('data', (d) => (body += d));
  req.on('end', () => {
    const parsed = JSON.parse(body || '{}');
    const chunk = (delta, finish = null, usage) =>
      `data: ${JSON.stringify({ id: 'x', object: 'chat.completion.chunk', created: 0, model: parsed.model, choices: [{ index: 0, delta, finish_reason: finish }], ...(usage ? { usage } : {}) })}\n\n`;
    upHit.push(performance.now());
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.write(chunk({ role: 'assistant', content: 'Hello' }));
    res.write(chunk({}, 'stop', { prompt_tokens: 10, completion_tokens: 3, total_tokens: 13 }));
    res.end('data: [DONE]\n\n');
  });
});
const upHit = [];
await new Promise((r) => upstream.listen(0, '127.0.0.1', r));
const origin = `http://127.0.0.1:${upstream.address().port}`;
const root = mkdtempSync(join(tmpdir(), 'roku-split-'));
const home = join(root, 'home');
mkdirSync(home, { recursive: true });
const pluginDir = join(root, 'provider-openai');
cpSync(join(repo, 'examples/provider-openai'), pluginDir, {
  recursive: true,
  filter: (s) => !s.includes('node_modules'),
});
writeFileSync(
  join(home, 'config.json'),
  JSON.stringify({
    log: { level: 'error' },
    agent: { defaultModel: 'openai/gpt-4o-mini', initialBackoffMs: 1 },
    plugins: {
      devDirs: [pluginDir],
      settings: { '@roku/example-provider-openai': { baseURL: `${origin}/v1` } },
      grants: { '@roku/example-provider-openai': { network: [origin] } },
    },
  }),
);
const db = openServerDb(home);
const token = createTokenStore(db).create('b', ['chat']).token;
db.close();
const env = { ROKU_HOME: home, OPENAI_API_KEY: 'sk' };
const logger = pino({ level: 'silent' });
const server = await startServer({
  runtime: { config: loadConfig({ env }).config, home, workspace: root, logger, env },
  home,
  logger,
  port: 0,
  rateLimitPerMinute: 1e9,
});
const rt = server.runtime;
const marks = {};
const orig = rt.run.bind(rt);
rt.run = (input, handlers) => {
  marks.run = performance.now();
  return orig(input, {
    ...handlers,
    onEvent: (e) => {
      if (e.type === 'RunStarted') marks.started ??= performance.now();
      if (e.type === 'LlmTextDelta') marks.delta ??= performance.now();
      handlers.onEvent?.(e);
    },
  });
};
const N = Number(process.env.ROKU_BENCH_SPLIT ?? 300);
const rows = { toRun: [], toStarted: [], toUpstream: [], upToDelta: [], deltaToClient: [], total: [] };
const direct = [];
for (let i = 0; i < N; i++) {
  {
    const t0 = performance.now();
    const res = await fetch(`${origin}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        model: 'gpt-4o-mini',
        stream: true,
        messages: [{ role: 'user', content: 'hi' }],
      }),
    });
    const reader = res.body.getReader();
    const dec = new TextDecoder();
    let buf = '';
    let first;
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buf += dec.decode(value, { stream: true });
      if (first === undefined && buf.includes('"content":"Hello')) first = performance.now();
    }
    if (i >= 60) direct.push(first - t0);
  }
  for (const k of Object.keys(marks)) delete marks[k];
  const t0 = performance.now();
  const res = await fetch(`${server.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'roku', stream: true, messages: [{ role: 'user', content: 'hi' }] }),
  });
  const reader = res.body.getReader();
  const dec = new TextDecoder();
  let buf = '';
  let first;
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buf += dec.decode(value, { stream: true });
    if (first === undefined && buf.includes('"content":"Hello')) first = performance.now();
  }
  if (i < 60) continue;
  const up = upHit.at(-1);
  rows.toRun.push(marks.run - t0);
  rows.toStarted.push(marks.started - marks.run);
  rows.toUpstream.push(up - marks.started);
  rows.upToDelta.push(marks.delta - up);
  rows.deltaToClient.push(first - marks.delta);
  rows.total.push(first - t0);
}
const line = (label, v) =>
  console.log(`  ${label.padEnd(50)} p50 ${pct(v, 50).toFixed(2)} ms  p99 ${pct(v, 99).toFixed(2)} ms`);
console.log(
  `time to first token of one streamed /v1/chat/completions request, split (${N - 60} requests, one at a time)`,
);
console.log("  goal      the server's share (before the run + after the first event) p50 <= 2 ms");
line('baseline  upstream called directly', direct);
line('server    client -> runtime.run called', rows.toRun);
line('runtime   runtime.run -> RunStarted', rows.toStarted);
line('runtime   RunStarted -> upstream has the request', rows.toUpstream);
line('runtime   upstream -> first text event', rows.upToDelta);
line('server    first text event -> client has it', rows.deltaToClient);
line('total     through roku serve', rows.total);
line(
  'server    share (both server rows, per request)',
  rows.toRun.map((x, i) => x + rows.deltaToClient[i]),
);
await server.close();
upstream.close();
process.exit(0);
