#!/usr/bin/env node
// pnpm bench mcp-client: round trip of a trivial tool call through the MCP client bridge (mcp__<server>__echo, the way
// the agent loop calls it) over stdio and over Streamable HTTP, beside the bare official SDK client on the same
// servers (what the bridge adds) and a Roku sandboxed tool (isolate). Interleaved blocks, p50/p99; asserts
// nothing. (`roku mcp serve` seen by an SDK client is benched with the server mode.)
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { createHostConfigValidator } from '@roku/schemas';
import { createPluginHost, createRootLogger } from '../dist/index.js';
import { McpBridge } from '../dist/mcp/index.js';

const repo = fileURLToPath(new URL('../../', import.meta.url));
const CALLS = Number(process.env.ROKU_BENCH_CALLS ?? 2000);
const WARMUP = 200;
const BLOCKS = 10;
const STDIO_SERVER = fileURLToPath(new URL('./mcp-echo-server.mjs', import.meta.url));
const HTTP_SERVER = fileURLToPath(new URL('../test/fixtures/mcp/http-echo-server.mjs', import.meta.url));

const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];

/** p50/p99 per path over interleaved blocks, so a noisy neighbour hits every path alike. */
async function interleaved(paths) {
  for (const path of paths) for (let i = 0; i < WARMUP; i++) await path.fn();
  const times = paths.map(() => []);
  const perBlock = Math.ceil(CALLS / BLOCKS);
  for (let b = 0; b < BLOCKS; b++) {
    for (let k = 0; k < paths.length; k++) {
      const at = (k + b) % paths.length;
      for (let i = 0; i < perBlock; i++) {
        const start = process.hrtime.bigint();
        await paths[at].fn();
        times[at].push(Number(process.hrtime.bigint() - start) / 1000);
      }
    }
  }
  return paths.map((path, k) => {
    const sorted = Float64Array.from(times[k]).sort();
    return { label: path.label, p50: percentile(sorted, 50), p99: percentile(sorted, 99) };
  });
}

const httpChild = spawn(process.execPath, [HTTP_SERVER], { stdio: ['ignore', 'pipe', 'inherit'] });
// the server is stopped however this run ends
process.on('exit', () => httpChild.kill());
const port = await new Promise((resolve) => {
  httpChild.stdout.on('data', (chunk) => {
    const m = /listening (\d+)/.exec(chunk.toString());
    if (m) resolve(Number(m[1]));
  });
});
const url = `http://127.0.0.1:${port}/mcp`;

const home = mkdtempSync(join(tmpdir(), 'roku-bench-mcp-'));
const logger = createRootLogger({ level: 'silent' });
const config = createHostConfigValidator().validate({
  mcpServers: {
    stdio: { command: process.execPath, args: [STDIO_SERVER] },
    http: { type: 'http', url },
  },
});
if (!config.ok) throw new Error(JSON.stringify(config.issues));
const bridge = new McpBridge({ workspace: home, hidden: [], home, logger });
const views = await bridge.sync(config.value);
const sandboxOf = (name) => {
  const view = views.find((v) => v.state.name === name);
  if (view?.sandbox === undefined) throw new Error(`${name}: ${view?.state.problem ?? 'missing'}`);
  return view.sandbox;
};
const bridgedStdio = sandboxOf('stdio');
const bridgedHttp = sandboxOf('http');

const bareStdio = new Client({ name: 'bench', version: '1.0.0' }, { versionNegotiation: { mode: 'auto' } });
await bareStdio.connect(new StdioClientTransport({ command: process.execPath, args: [STDIO_SERVER] }));
const bareHttp = new Client({ name: 'bench', version: '1.0.0' }, { versionNegotiation: { mode: 'auto' } });
await bareHttp.connect(new StreamableHTTPClientTransport(new URL(url)));

const host = createPluginHost({ logger, home, workspace: home, env: {} });
const echo = await host.loadFolder(join(repo, 'examples/tool-echo'));

const PATHS = {
  sandbox: 'Roku sandboxed tool (isolate), one session',
  bareStdio: 'bare SDK client, stdio',
  bridgedStdio: 'bridge mcp__stdio__echo, stdio',
  bareHttp: 'bare SDK client, Streamable HTTP',
  bridgedHttp: 'bridge mcp__http__echo, Streamable HTTP',
};
const args = { text: 'hi' };
const rows = await interleaved([
  { label: PATHS.sandbox, fn: () => echo.call('tool:echo', args, { session: 'bench' }) },
  { label: PATHS.bareStdio, fn: () => bareStdio.callTool({ name: 'echo', arguments: args }) },
  { label: PATHS.bridgedStdio, fn: () => bridgedStdio.call('tool:mcp__stdio__echo', args) },
  { label: PATHS.bareHttp, fn: () => bareHttp.callTool({ name: 'echo', arguments: args }) },
  { label: PATHS.bridgedHttp, fn: () => bridgedHttp.call('tool:mcp__http__echo', args) },
]);

await bareStdio.close();
await bareHttp.close();
await bridge.close();
await host.close();
httpChild.kill();

console.log(
  `\nRound trip of a trivial tool call (${CALLS} sequential calls per path after ${WARMUP} warm-up, interleaved in ${BLOCKS} blocks), microseconds`,
);
console.table(rows.map((r) => ({ path: r.label, 'p50 µs': r.p50.toFixed(1), 'p99 µs': r.p99.toFixed(1) })));
const row = (label) => rows.find((r) => r.label === label);
const added = (bridged, bare) => row(bridged).p50 - row(bare).p50;
const verdict = (met) => (met ? 'met' : 'NOT met');
console.log('\nGoals (issue 17), each beside its baseline from this run');
console.table([
  {
    figure: 'bridge overhead over the bare SDK client, stdio, p50',
    value: `${added(PATHS.bridgedStdio, PATHS.bareStdio).toFixed(1)} µs`,
    goal: '<= 50 µs (pin check, result mapping)',
    baseline: `bare ${row(PATHS.bareStdio).p50.toFixed(1)} µs`,
    verdict: verdict(added(PATHS.bridgedStdio, PATHS.bareStdio) <= 50),
  },
  {
    figure: 'bridge overhead over the bare SDK client, Streamable HTTP, p50',
    value: `${added(PATHS.bridgedHttp, PATHS.bareHttp).toFixed(1)} µs`,
    goal: '<= 50 µs',
    baseline: `bare ${row(PATHS.bareHttp).p50.toFixed(1)} µs`,
    verdict: verdict(added(PATHS.bridgedHttp, PATHS.bareHttp) <= 50),
  },
  {
    figure: 'bridged stdio call / Roku sandboxed tool, p50',
    value: `${(row(PATHS.bridgedStdio).p50 / row(PATHS.sandbox).p50).toFixed(2)}x`,
    goal: 'informational (a process hop and JSON-RPC vs an isolate call)',
    baseline: `sandboxed ${row(PATHS.sandbox).p50.toFixed(1)} µs`,
    verdict: '-',
  },
]);
