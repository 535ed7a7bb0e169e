#!/usr/bin/env node
// pnpm bench runtime: host overhead per agent turn against its goal and baseline (runtime-overhead.mjs), the
// turn's parts with 50 tools loaded (model time excluded), snapshot swap time, and a reload storm under a
// steady load of turns (failed turns, latency bump). Prints figures only.
// `pnpm bench runtime overhead` prints only the host-overhead figures.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createHostConfigValidator } from '@roku/schemas';
import { createAgentRuntime, createPluginHost, createRootLogger } from '../dist/index.js';
import { hostOverhead } from './runtime-overhead.mjs';

const repo = fileURLToPath(new URL('../../', import.meta.url));
const TURNS = Number(process.env.ROKU_BENCH_TURNS ?? 200);
const TOOLS = 50;

await hostOverhead(repo, TURNS);
if (process.argv[2] === 'overhead') process.exit(0);
console.log('');

const root = mkdtempSync(join(tmpdir(), 'roku-bench-runtime-'));
const home = join(root, 'home');
const workspace = join(root, 'ws');
mkdirSync(home, { recursive: true });
mkdirSync(workspace, { recursive: true });

// A raw-ABI toolset with 50 tools (what the SDK's bundle reduces to), so the catalog has real weight.
const toolsDir = join(root, 'fifty-tools');
mkdirSync(join(toolsDir, 'dist'), { recursive: true });
const tools = Array.from({ length: TOOLS }, (_, i) => ({
  name: `tool_${String(i).padStart(2, '0')}`,
  description: `Benchmark tool number ${i}: returns its text with a suffix. Useful for measuring overhead.`,
  inputSchema: {
    type: 'object',
    properties: { text: { type: 'string', description: 'any text' }, count: { type: 'integer' } },
    required: ['text'],
    additionalProperties: false,
  },
  risk: ['read'],
}));
writeFileSync(
  join(toolsDir, 'roku.plugin.json'),
  JSON.stringify({
    manifestVersion: 1,
    id: '@bench/fifty-tools',
    version: '1.0.0',
    description: 'Fifty read-only tools for the runtime benchmark.',
    license: 'Apache-2.0',
    engines: { roku: '^0.1.0' },
    runtime: { type: 'isolate', entry: 'dist/plugin.js' },
    contributes: { tools },
    permissions: {},
  }),
);
writeFileSync(
  join(toolsDir, 'dist', 'plugin.js'),
  `const names = ${JSON.stringify(tools.map((t) => t.name))};
const description = JSON.stringify({ abi: 1, tools: names, providers: [], memorySlot: null, contextEngine: null, subagentRuntimes: [] });
globalThis.__roku_abi = Object.freeze({
  describe: () => description,
  call: async (json) => {
    const req = JSON.parse(json);
    return JSON.stringify({ ok: true, value: { text: String(req.input.text) + ' (' + req.op + ')' } });
  },
});`,
);

const validator = createHostConfigValidator();
function config(extra = {}) {
  const result = validator.validate({
    log: { level: 'silent' },
    agent: { initialBackoffMs: 1 },
    plugins: {
      devDirs: [join(repo, 'plugins/provider-scripted'), toolsDir],
      settings: {
        '@roku/plugin-provider-scripted': {
          script: [
            { toolCalls: [{ name: 'tool_07', arguments: { text: 'bench' } }] },
            { text: 'tool_07 said bench' },
          ],
          chunkChars: 64,
          ...extra,
        },
      },
    },
  });
  if (!result.ok) throw new Error(JSON.stringify(result.issues));
  return result.value;
}

let current = config();
const logger = createRootLogger({ level: 'silent' });
const runtime = await createAgentRuntime({
  config: current,
  reloadConfig: () => current,
  home,
  workspace,
  logger,
  env: {},
});

const pct = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
const fmt = (ms) => `${ms.toFixed(2)} ms`;

async function turn(sessionId) {
  let pluginMs = 0;
  const started = performance.now();
  const marks = new Map();
  const result = await runtime.run(
    { sessionId, goal: 'use tool 7', approvalMode: 'deny' },
    {
      onEvent: (e) => {
        // Plugin time: from the decision request until LlmDecisionComplete, and ToolStart→ToolEnd.
        if (e.type === 'ToolStart') marks.set('tool', performance.now());
        if (e.type === 'ToolEnd') pluginMs += performance.now() - (marks.get('tool') ?? performance.now());
      },
    },
  );
  return { ms: performance.now() - started, pluginMs, status: result.status };
}

const info = runtime.snapshotInfo();
console.log(
  `snapshot ${info.id}: ${info.plugins.length} plugins, ${info.tools.length} tools, models ${info.models.map((m) => m.ref).join(', ')}`,
);

for (let i = 0; i < 20; i++) await turn(`warm-${i}`);
const perTurn = [];
for (let i = 0; i < TURNS; i++) {
  // A fresh session per turn keeps the history (and so the model input) the same size.
  perTurn.push(await turn(`t-${i}`));
}
const wall = perTurn.map((t) => t.ms).sort((a, b) => a - b);
console.log(`\nturn (2 model calls + 1 tool call, ${TOOLS + 2} tools loaded), ${TURNS} turns:`);
console.log(`  wall        p50 ${fmt(pct(wall, 50))}  p99 ${fmt(pct(wall, 99))}`);

const toolMs = perTurn.map((t) => t.pluginMs).sort((a, b) => a - b);
console.log(`  tool call (host→sandbox→host, inside the turn) p50 ${fmt(pct(toolMs, 50))}`);

// Model time on its own: the scripted provider called directly in its sandbox with a turn-sized request.
{
  const host = createPluginHost({ logger, home: join(root, 'direct'), workspace });
  const provider = await host.loadFolder(join(repo, 'plugins/provider-scripted'));
  const request = {
    model: 'scripted-1',
    messages: [
      { role: 'system', content: 'You are Roku, an assistant that works by calling tools.' },
      { role: 'user', content: 'use tool 7' },
    ],
    tools: tools.map((t) => ({ name: t.name, description: t.description, inputSchema: t.inputSchema })),
  };
  const settings = {
    script: [{ toolCalls: [{ name: 'tool_07', arguments: { text: 'bench' } }] }],
    chunkChars: 64,
  };
  for (let i = 0; i < 50; i++)
    await provider.call('provider:scripted:chat', request, { config: settings, onEvent: () => {} });
  const times = [];
  for (let i = 0; i < TURNS; i++) {
    const t0 = performance.now();
    await provider.call('provider:scripted:chat', request, { config: settings, onEvent: () => {} });
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  await host.close();
  const model = pct(times, 50);
  console.log(`  model call alone (scripted provider in its sandbox) p50 ${fmt(model)}`);
  console.log(
    `  host overhead per turn = wall − 2 model calls − tool call ≈ ${fmt(pct(wall, 50) - 2 * model - pct(toolMs, 50))} (p50)`,
  );
  console.log(
    '    (includes the context engine and memory slot calls, each a sandbox round trip, and SQLite writes)',
  );
}

// One-model-call turns (text answer, no tools offered by the script) to isolate model time per call.
current = config({ script: [{ text: 'plain' }] });
await runtime.reload('bench: text-only script');
for (let i = 0; i < 20; i++) await turn(`wt-${i}`);
const textOnly = [];
for (let i = 0; i < TURNS; i++) textOnly.push((await turn(`x-${i}`)).ms);
textOnly.sort((a, b) => a - b);
console.log(`  text-only turn (1 model call) p50 ${fmt(pct(textOnly, 50))}  p99 ${fmt(pct(textOnly, 99))}`);

// Snapshot swap time.
const swaps = { unchanged: [], changed: [] };
for (let i = 0; i < 10; i++) {
  let r = await runtime.reload('bench: unchanged');
  swaps.unchanged.push(r.elapsedMs);
  current = config({ script: [{ text: 'plain' }], chunkChars: 32 + (i % 2) });
  r = await runtime.reload('bench: scripted settings changed');
  if (!r.ok) console.log('reload failed:', r.error);
  swaps.changed.push(r.elapsedMs);
}
for (const k of Object.keys(swaps)) swaps[k].sort((a, b) => a - b);
console.log(`\nsnapshot swap (reload), 10 each:`);
console.log(
  `  nothing changed (sandboxes reused)   p50 ${fmt(pct(swaps.unchanged, 50))}  max ${fmt(swaps.unchanged.at(-1))}`,
);
console.log(
  `  one plugin changed (new sandbox)     p50 ${fmt(pct(swaps.changed, 50))}  max ${fmt(swaps.changed.at(-1))}`,
);

// Reloads during a steady load: 4 concurrent sessions run turns for ~6 s; a reload every 300 ms from 2 s on.
current = config();
await runtime.reload('bench: back to tool script');
const deadline = performance.now() + 6000;
const reloadFrom = performance.now() + 2000;
const quiet = [];
const duringReloads = [];
let failed = 0;
let turns = 0;
let reloads = 0;
let reloadFailures = 0;
const workers = Array.from({ length: 4 }, async (_, w) => {
  let n = 0;
  while (performance.now() < deadline) {
    const start = performance.now();
    try {
      const r = await turn(`load-${w}-${n++}`);
      if (r.status !== 'succeeded') failed += 1;
    } catch {
      failed += 1;
    }
    turns += 1;
    (start >= reloadFrom ? duringReloads : quiet).push(performance.now() - start);
  }
});
const reloader = (async () => {
  await new Promise((r) => setTimeout(r, 2000));
  let i = 0;
  while (performance.now() < deadline - 300) {
    current = config({ chunkChars: 16 + (i++ % 3) });
    const r = await runtime.reload('bench: storm');
    reloads += 1;
    if (!r.ok) reloadFailures += 1;
    await new Promise((res) => setTimeout(res, 300));
  }
})();
await Promise.all([...workers, reloader]);
quiet.sort((a, b) => a - b);
duringReloads.sort((a, b) => a - b);
console.log(`\nsteady load (4 sessions) with ${reloads} reloads (${reloadFailures} failed) from t=2 s:`);
console.log(`  turns ${turns}, failed turns ${failed}`);
console.log(`  before reloads  p50 ${fmt(pct(quiet, 50))}  p99 ${fmt(pct(quiet, 99))}  (n=${quiet.length})`);
console.log(
  `  during reloads  p50 ${fmt(pct(duringReloads, 50))}  p99 ${fmt(pct(duringReloads, 99))}  (n=${duringReloads.length})`,
);

await runtime.close();
rmSync(root, { recursive: true, force: true });
