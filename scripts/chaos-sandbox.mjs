#!/usr/bin/env node
// pnpm chaos sandbox [trials]: healthy plugins under concurrent load beside a misbehaving one (memory hog,
// endless loops, calls that never return) in small runners (recycles and OS memory-cap kills), while each
// trial also kills a runner with SIGKILL, stops one with SIGSTOP (resumed later or never), or lets the hog
// do the damage. Counts every call's outcome: answered, typed failure by code, and hung (not settled by its
// wall-clock limit + 2 s). Requires a build (pnpm -s --filter @roku/host build). Prints; asserts nothing.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPluginHost, createRootLogger, DEFAULT_CEILINGS } from '../host/dist/index.js';

const TRIALS = Number(process.argv[2] ?? process.env.ROKU_CHAOS_TRIALS ?? 200);
const HUNG_MARGIN_MS = 2000;
const root = mkdtempSync(join(tmpdir(), 'roku-chaos-sandbox-'));

function plugin(id, body, limits) {
  const dir = join(root, id.replace(/[@/]/g, '_'));
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, 'roku.plugin.json'),
    JSON.stringify({
      manifestVersion: 1,
      id,
      version: '1.0.0',
      description: `Chaos plugin ${id}.`,
      license: 'MIT',
      engines: { roku: '^0.1.0' },
      runtime: { type: 'isolate', entry: 'plugin.js' },
      contributes: {
        tools: [{ name: 't', description: 'The tool.', inputSchema: { type: 'object' }, risk: ['read'] }],
      },
      limits,
    }),
  );
  writeFileSync(
    join(dir, 'plugin.js'),
    `'use strict';
const cap = async (op, args) => JSON.parse(await globalThis.__roku_host.cap(JSON.stringify({ op, args })));
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
async function run(input) { ${body} }
globalThis.__roku_abi = {
  describe: () => JSON.stringify({ abi: 1, tools: ['t'], providers: [], memorySlot: null, contextEngine: null, subagentRuntimes: [] }),
  async call(json) {
    const request = JSON.parse(json);
    try { return JSON.stringify({ ok: true, value: (await run(request.input)) ?? null }); }
    catch (e) { return JSON.stringify({ ok: false, error: { code: 'PLUGIN_ERROR', message: String(e && e.message) } }); }
  },
};`,
  );
  return dir;
}

const host = createPluginHost({
  logger: createRootLogger({ level: 'silent' }),
  home: join(root, 'home'),
  workspace: root,
  env: {},
  // small runners so recycles and memory-cap kills happen; no quarantine so the misbehaving plugin stays
  ceilings: { ...DEFAULT_CEILINGS, runnerMemoryMb: 192, quarantine: { failures: 0, windowMs: 1000 } },
});

const healthy = [
  await host.loadFolder(
    plugin('@good/sleepy', `await sleep(input.ms); return 'ok';`, { wallMsPerCall: 3000, concurrency: 4 }),
  ),
  await host.loadFolder(
    plugin(
      '@good/logger',
      `await cap('log', { level: 'info', message: 'hi' }); await sleep(input.ms); return 'ok';`,
      {
        wallMsPerCall: 3000,
        concurrency: 4,
      },
    ),
  ),
  await host.loadFolder(
    plugin('@bad/neighbour', `await sleep(input.ms); return 'ok';`, { wallMsPerCall: 3000, concurrency: 8 }),
  ),
];
const hog = await host.loadFolder(
  plugin(
    '@bad/hog',
    `if (input.mode === 'spin') for (;;) {}
     if (input.mode === 'never') await new Promise(() => {});
     const keep = []; for (let i = 0; i < input.mb; i++) keep.push(new Uint8Array(1 << 20).fill(1));
     await sleep(input.ms); return keep.length;`,
    { wallMsPerCall: 1500, cpuMsPerCall: 500, memoryMb: 128, concurrency: 4 },
  ),
);

const counts = { calls: 0, answered: 0, hung: 0, neverSettled: 0, maxOvershootMs: 0 };
const failures = new Map();
const disruptions = new Map();
const pending = new Set();
const rand = (n) => Math.floor(Math.random() * n);

function track(sandbox, input) {
  const wallMs = sandbox.limits.wallMsPerCall;
  const started = performance.now();
  counts.calls += 1;
  const call = sandbox.call('tool:t', input).then(
    () => {
      counts.answered += 1;
    },
    (err) => {
      const code = typeof err?.code === 'string' ? err.code : 'UNTYPED';
      failures.set(code, (failures.get(code) ?? 0) + 1);
    },
  );
  const entry = call.then(() => {
    const overshoot = performance.now() - started - wallMs;
    counts.maxOvershootMs = Math.max(counts.maxOvershootMs, overshoot);
    if (overshoot > HUNG_MARGIN_MS) counts.hung += 1;
    pending.delete(entry);
  });
  pending.add(entry);
  return entry;
}

function signal(pid, sig) {
  try {
    process.kill(pid, sig);
    return true;
  } catch {
    return false;
  }
}

const started = performance.now();
for (let trial = 1; trial <= TRIALS; trial++) {
  const calls = [];
  for (let i = 0; i < 12; i++) {
    const sandbox = healthy[rand(healthy.length)];
    calls.push(track(sandbox, { ms: 1 + rand(60) }));
  }
  const mode = ['alloc', 'alloc', 'spin', 'never'][rand(4)];
  calls.push(track(hog, { mode, mb: 20 + rand(60), ms: rand(100) }));
  await new Promise((r) => setTimeout(r, rand(80)));
  const runners = host.sandboxes.runners().filter((r) => r.pid !== undefined);
  const target = runners[rand(runners.length)];
  const what =
    target === undefined ? 'none' : ['sigkill', 'sigstop-resume', 'sigstop-forever', 'none'][rand(4)];
  disruptions.set(what, (disruptions.get(what) ?? 0) + 1);
  if (what === 'sigkill') signal(target.pid, 'SIGKILL');
  if (what.startsWith('sigstop')) {
    signal(target.pid, 'SIGSTOP');
    if (what === 'sigstop-resume') setTimeout(() => signal(target.pid, 'SIGCONT'), rand(3000)).unref();
  }
  await Promise.all(calls);
  if (trial % 25 === 0) {
    process.stdout.write(
      `trial ${trial}/${TRIALS}: ${counts.calls} calls, ${counts.answered} answered, ${counts.hung} hung\n`,
    );
  }
}
// anything still pending after every trial finished is a call that never settled
const grace = new Promise((r) => setTimeout(r, 30_000).unref());
await Promise.race([Promise.all(pending), grace]);
counts.neverSettled = pending.size;

console.log(`\nchaos sandbox: ${TRIALS} trials in ${((performance.now() - started) / 1000).toFixed(0)} s`);
console.log(`disruptions: ${JSON.stringify(Object.fromEntries(disruptions))}`);
console.log(`calls: ${counts.calls}   answered: ${counts.answered}`);
console.log(`typed failures: ${JSON.stringify(Object.fromEntries([...failures].sort()))}`);
console.log(
  `hung calls (settled later than wall limit + ${HUNG_MARGIN_MS} ms): ${counts.hung}   never settled: ${counts.neverSettled}   largest overshoot past the wall limit: ${counts.maxOvershootMs.toFixed(0)} ms`,
);
console.log(
  `goal: 0 hung, 0 never settled, 0 UNTYPED -> ${counts.hung + counts.neverSettled + (failures.get('UNTYPED') ?? 0) === 0 ? 'met' : 'NOT met'}`,
);
await host.close();
rmSync(root, { recursive: true, force: true });
