#!/usr/bin/env node
// pnpm bench mcp: latency of a trivial tool call (examples/tool-echo `echo`, read-only so nothing asks) seen by
// the official SDK client (@modelcontextprotocol/client) through `roku mcp serve` (sandboxed, policy-checked),
// against the same tool behind a plain MCP stdio server built with the same SDK, on both protocol eras,
// interleaved, with the sandbox call without MCP as the floor. Prints p50/p99 and the goal; asserts nothing.
// ROKU_BENCH_MCP_BASELINE=<other checkout>/cli/dist/bin.js adds that build's `roku mcp serve` to the same
// interleaved run (before/after of a change on one loaded machine). Profile the server: mcp-profile.mjs.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { createAgentRuntime, createPluginHost, createRootLogger, loadConfig } from '@roku/host';

const repo = fileURLToPath(new URL('../../', import.meta.url));
const CALLS = Number(process.env.ROKU_BENCH_CALLS ?? 3000);
const WARMUP = 300;
const BLOCKS = 10;
const bin = join(repo, 'cli/dist/bin.js');
const baselineBin = process.env.ROKU_BENCH_MCP_BASELINE;
const echoDir = join(repo, 'examples/tool-echo');

function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

const failures = new Map();
/** p50/p99 per path over interleaved blocks, so a noisy neighbour on a shared machine hits every path alike. */
async function interleaved(paths) {
  for (const path of paths) for (let i = 0; i < WARMUP; i++) await path.fn();
  const times = paths.map(() => []);
  const perBlock = Math.ceil(CALLS / BLOCKS);
  for (let b = 0; b < BLOCKS; b++) {
    for (let k = 0; k < paths.length; k++) {
      const at = (k + b) % paths.length;
      for (let i = 0; i < perBlock; i++) {
        const start = process.hrtime.bigint();
        try {
          const result = await paths[at].fn();
          if (result?.isError === true) throw new Error(JSON.stringify(result.content));
        } catch (err) {
          failures.set(paths[at].label, `${err.code ?? err.message}`.slice(0, 200));
        }
        times[at].push(Number(process.hrtime.bigint() - start) / 1000);
      }
    }
  }
  return paths.map((path, k) => {
    const sorted = Float64Array.from(times[k]).sort();
    return { label: path.label, p50: percentile(sorted, 50), p99: percentile(sorted, 99) };
  });
}

async function client(mode, command, args, env, cwd) {
  const c = new Client({ name: 'bench', version: '1.0.0' }, { versionNegotiation: { mode } });
  await c.connect(
    new StdioClientTransport({
      command,
      args,
      env: { PATH: process.env.PATH ?? '', ...env },
      cwd,
      stderr: 'inherit',
    }),
  );
  return c;
}

const home = mkdtempSync(join(tmpdir(), 'roku-bench-mcp-home-'));
const workspace = mkdtempSync(join(tmpdir(), 'roku-bench-mcp-ws-'));
writeFileSync(join(home, 'config.json'), JSON.stringify({ plugins: { devDirs: [echoDir] } }));
const rokuEnv = { ROKU_HOME: home };
const plainServer = fileURLToPath(new URL('./mcp-echo-server-v2.mjs', import.meta.url));

const clients = {
  rokuModern: await client('auto', process.execPath, [bin, 'mcp', 'serve'], rokuEnv, workspace),
  rokuLegacy: await client('legacy', process.execPath, [bin, 'mcp', 'serve'], rokuEnv, workspace),
  plainModern: await client('auto', process.execPath, [plainServer], {}, workspace),
  plainLegacy: await client('legacy', process.execPath, [plainServer], {}, workspace),
  ...(baselineBin === undefined
    ? {}
    : {
        baseModern: await client('auto', process.execPath, [baselineBin, 'mcp', 'serve'], rokuEnv, workspace),
        baseLegacy: await client(
          'legacy',
          process.execPath,
          [baselineBin, 'mcp', 'serve'],
          rokuEnv,
          workspace,
        ),
      }),
};
const host = createPluginHost({
  logger: createRootLogger({ level: 'silent' }),
  home: mkdtempSync(join(tmpdir(), 'roku-bench-mcp-direct-')),
  workspace,
  env: {},
});
const echo = await host.loadFolder(echoDir);
// What roku mcp serve runs per call, in this process: the agent runtime's snapshot, policy and sandbox (no MCP).
const runtime = await createAgentRuntime({
  config: loadConfig({ env: rokuEnv }).config,
  home,
  workspace,
  logger: createRootLogger({ level: 'silent' }),
  env: rokuEnv,
});
const gateway = runtime.toolGateway();

const call = (c) => () => c.callTool({ name: 'echo', arguments: { text: 'hi' } });
const PATHS = {
  rokuModern: `roku mcp serve, ${clients.rokuModern.getNegotiatedProtocolVersion()}`,
  rokuLegacy: `roku mcp serve, ${clients.rokuLegacy.getNegotiatedProtocolVersion()}`,
  plainModern: `plain SDK stdio server, ${clients.plainModern.getNegotiatedProtocolVersion()}`,
  plainLegacy: `plain SDK stdio server, ${clients.plainLegacy.getNegotiatedProtocolVersion()}`,
  baseModern: `roku mcp serve of ${baselineBin}, modern`,
  baseLegacy: `roku mcp serve of ${baselineBin}, legacy`,
  gateway: "the runtime's gateway in-process (snapshot + policy + sandbox, no MCP)",
  sandbox: 'the sandboxed tool in a plain plugin host in-process (no MCP, no runtime)',
};
const rows = await interleaved([
  { label: PATHS.rokuModern, fn: call(clients.rokuModern) },
  { label: PATHS.plainModern, fn: call(clients.plainModern) },
  { label: PATHS.rokuLegacy, fn: call(clients.rokuLegacy) },
  { label: PATHS.plainLegacy, fn: call(clients.plainLegacy) },
  ...(baselineBin === undefined
    ? []
    : [
        { label: PATHS.baseModern, fn: call(clients.baseModern) },
        { label: PATHS.baseLegacy, fn: call(clients.baseLegacy) },
      ]),
  {
    label: PATHS.gateway,
    fn: () => {
      if (gateway.verdict('echo', { text: 'hi' }, new Set()).kind !== 'run')
        throw new Error('echo would ask');
      return gateway.run('echo', { text: 'hi' }, 'bench');
    },
  },
  { label: PATHS.sandbox, fn: () => echo.call('tool:echo', { text: 'hi' }, { session: 'bench' }) },
]);
for (const c of Object.values(clients)) await c.close();
await host.close();
gateway.close();
await runtime.close();

console.log(
  `\nA trivial tool call seen by the official SDK client (${CALLS} sequential calls per path after ${WARMUP} warm-up, interleaved in ${BLOCKS} blocks), microseconds`,
);
console.table(rows.map((r) => ({ path: r.label, 'p50 µs': r.p50.toFixed(1), 'p99 µs': r.p99.toFixed(1) })));
for (const [label, what] of failures) console.log(`failed calls on "${label}": ${what}`);
const row = (label) => rows.find((r) => r.label === label);
const ratio = (plain, roku) => row(plain).p50 / row(roku).p50;
const verdict = (met) => (met ? 'met' : 'NOT met');
console.log(
  '\nGoal (issue 13, sandboxed calls): >= 2x faster than an MCP stdio server via the SDK. Here both sides pay the\n' +
    'same MCP stdio hop and SDK client, so the ratio shows what roku mcp serve adds (sandbox + policy + snapshot);\n' +
    'below 1x means slower than the plain server. The in-process rows split the cost: MCP + process hop\n' +
    "(roku mcp serve minus the gateway row) and the runtime's sandbox path (the gateway row minus the plain host row).",
);
console.table(
  [
    ['Modern', PATHS.plainModern, PATHS.rokuModern],
    ['Legacy', PATHS.plainLegacy, PATHS.rokuLegacy],
  ].map(([era, plain, roku]) => ({
    figure: `plain p50 / roku mcp serve p50 (${era.toLowerCase()} era)`,
    value: `${ratio(plain, roku).toFixed(2)}x`,
    goal: '>= 2x',
    baseline: `plain ${row(plain).p50.toFixed(1)} µs (p99 ${row(plain).p99.toFixed(1)}); roku ${row(roku).p50.toFixed(1)} µs (p99 ${row(roku).p99.toFixed(1)})`,
    verdict: verdict(ratio(plain, roku) >= 2),
  })),
);
