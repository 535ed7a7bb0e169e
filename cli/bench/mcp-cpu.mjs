#!/usr/bin/env node
// CPU time per trivial tool call of each process on the path (from /proc, Linux only), which a loaded machine
// skews far less than wall-clock latency: `roku mcp serve` (and its sandbox runners) against the plain SDK
// stdio server, interleaved in blocks. ROKU_BENCH_MCP_BASELINE=<other checkout>/cli/dist/bin.js adds that
// build's server for a before/after.  node cli/bench/mcp-cpu.mjs [calls] [auto|legacy]
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';

const repo = fileURLToPath(new URL('../../', import.meta.url));
const calls = Number(process.argv[2] ?? 3000);
const mode = process.argv[3] ?? 'auto';
const BLOCKS = 6;
const TICK_US = 1e6 / 100; // USER_HZ
const home = mkdtempSync(join(tmpdir(), 'roku-bench-mcp-cpu-home-'));
const workspace = mkdtempSync(join(tmpdir(), 'roku-bench-mcp-cpu-ws-'));
writeFileSync(
  join(home, 'config.json'),
  JSON.stringify({ plugins: { devDirs: [join(repo, 'examples/tool-echo')] } }),
);

/** user + system clock ticks of one process. */
function ticks(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return Number(fields[11]) + Number(fields[12]);
}
function tree(pid) {
  const kids = readdirSync(`/proc/${pid}/task`).flatMap((task) =>
    readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8')
      .trim()
      .split(/\s+/)
      .filter(Boolean)
      .map(Number),
  );
  return [pid, ...kids.flatMap(tree)];
}
async function connect(args, env) {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args,
    env: { PATH: process.env.PATH ?? '', ...env },
    cwd: workspace,
    stderr: 'inherit',
  });
  const client = new Client({ name: 'bench-cpu', version: '1.0.0' }, { versionNegotiation: { mode } });
  await client.connect(transport);
  return { client, pid: transport.pid };
}

const servers = {
  'roku mcp serve': await connect([join(repo, 'cli/dist/bin.js'), 'mcp', 'serve'], { ROKU_HOME: home }),
  ...(process.env.ROKU_BENCH_MCP_BASELINE === undefined
    ? {}
    : {
        [`roku mcp serve of ${process.env.ROKU_BENCH_MCP_BASELINE}`]: await connect(
          [process.env.ROKU_BENCH_MCP_BASELINE, 'mcp', 'serve'],
          { ROKU_HOME: home },
        ),
      }),
  'plain SDK stdio server': await connect([join(repo, 'cli/bench/mcp-echo-server-v2.mjs')], {}),
};
const echo = (client) => client.callTool({ name: 'echo', arguments: { text: 'hi' } });
for (const { client } of Object.values(servers)) for (let i = 0; i < 300; i++) await echo(client);
const totals = {};
for (let b = 0; b < BLOCKS; b++) {
  for (const [label, { client, pid }] of Object.entries(servers)) {
    const pids = tree(pid);
    const before = pids.map(ticks);
    const mine = process.cpuUsage();
    const start = process.hrtime.bigint();
    for (let i = 0; i < calls / BLOCKS; i++) await echo(client);
    const wall = Number(process.hrtime.bigint() - start) / 1000;
    const used = process.cpuUsage(mine);
    const t = (totals[label] ??= { wall: 0, server: 0, children: 0, client: 0 });
    t.wall += wall;
    t.client += used.user + used.system;
    pids.forEach((p, k) => {
      const us = (ticks(p) - before[k]) * TICK_US;
      if (k === 0) t.server += us;
      else t.children += us;
    });
  }
}
for (const { client } of Object.values(servers)) await client.close();
console.log(
  `\nCPU per trivial tool call (${calls} calls per server, ${mode} era, interleaved in ${BLOCKS} blocks), µs`,
);
console.table(
  Object.entries(totals).map(([label, t]) => ({
    server: label,
    'wall µs': (t.wall / calls).toFixed(0),
    'server cpu µs': (t.server / calls).toFixed(0),
    'its children (sandbox runners) cpu µs': (t.children / calls).toFixed(0),
    'client cpu µs': (t.client / calls).toFixed(0),
  })),
);
