#!/usr/bin/env node
// Drives `roku mcp serve` with the bench's client loop under `node --cpu-prof`, for finding per-call cost:
//   node cli/bench/mcp-profile.mjs [outDir] [calls] [auto|legacy]
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';

const repo = fileURLToPath(new URL('../../', import.meta.url));
const out = process.argv[2] ?? mkdtempSync(join(tmpdir(), 'roku-mcp-prof-'));
const calls = Number(process.argv[3] ?? 5000);
const mode = process.argv[4] ?? 'auto';
const home = mkdtempSync(join(tmpdir(), 'roku-mcp-prof-home-'));
const workspace = mkdtempSync(join(tmpdir(), 'roku-mcp-prof-ws-'));
writeFileSync(
  join(home, 'config.json'),
  JSON.stringify({ plugins: { devDirs: [join(repo, 'examples/tool-echo')] } }),
);
const c = new Client({ name: 'prof', version: '1.0.0' }, { versionNegotiation: { mode } });
await c.connect(
  new StdioClientTransport({
    command: process.execPath,
    args: [
      '--cpu-prof',
      `--cpu-prof-dir=${out}`,
      ...(process.env.PLAIN
        ? [join(repo, 'cli/bench/mcp-echo-server-v2.mjs')]
        : [join(repo, 'cli/dist/bin.js'), 'mcp', 'serve']),
    ],
    env: { PATH: process.env.PATH ?? '', ROKU_HOME: home },
    cwd: workspace,
    stderr: 'inherit',
  }),
);
const start = process.hrtime.bigint();
for (let i = 0; i < calls; i++) await c.callTool({ name: 'echo', arguments: { text: 'hi' } });
const us = Number(process.hrtime.bigint() - start) / 1000 / calls;
console.log(`${calls} calls, mean ${us.toFixed(1)} µs; profile in ${out}`);
await c.close();
