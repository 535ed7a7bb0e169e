#!/usr/bin/env node
// pnpm bench first-turn: a run's time to its first text event in the agent runtime, with the scripted provider
// (it answers at once) and the first-party dev plugins in the slots (memory-sqlite, context-default), on a fresh
// session per run and on one existing session: runtime.run() -> RunStarted, RunStarted -> first text event (the
// memory recall, the context engine and the provider call), the host's share of it (the time no plugin call
// covers), the whole run, the host process's CPU per run (its threads, not the runners) and runs/s one at a time.
// With ROKU_BENCH_BASELINE=<an older build's host/dist folder> that build's runtime runs beside this one, each
// run interleaved with the other's, so the load of a shared machine weighs on both alike. Figures only.
// ROKU_BENCH_FIRST (default 400) runs per case and runtime, the first 50 warm up.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createHostConfigValidator } from '@roku/schemas';
import * as current from '../dist/index.js';

const repo = fileURLToPath(new URL('../../', import.meta.url));
const N = Number(process.env.ROKU_BENCH_FIRST ?? 400);
const WARM = Math.min(50, Math.floor(N / 4));
const baselineDir = process.env.ROKU_BENCH_BASELINE;
const distOf = (dir) => (file) => import(pathToFileURL(join(dir, file)).href);
const builds = [['this build', current, distOf(fileURLToPath(new URL('../dist/', import.meta.url)))]];
if (baselineDir !== undefined && baselineDir !== '') {
  const from = distOf(resolve(baselineDir));
  builds.unshift(['baseline', await from('index.js'), from]);
}
// Plugin calls (memory recall, context engine, provider) are timed where the host hands them to the sandbox,
// so the time of a run that is the host's own (before, between and after them) can be told from theirs.
let calls = [];
for (const [, , from] of builds) {
  const { LoadedSandbox } = await from('sandbox/loaded-sandbox.js');
  const call = LoadedSandbox.prototype.call;
  LoadedSandbox.prototype.call = async function (...args) {
    const span = { start: performance.now(), end: Infinity };
    calls.push(span);
    try {
      return await call.apply(this, args);
    } finally {
      span.end = performance.now();
    }
  };
}
/** Time in [from, to] covered by no plugin call. */
function hostShare(from, to) {
  let covered = 0;
  let reach = from;
  for (const { start, end } of calls.slice().sort((a, b) => a.start - b.start)) {
    const s = Math.max(start, reach);
    const e = Math.min(end, to);
    if (e > s) covered += e - s;
    reach = Math.max(reach, Math.min(end, to));
  }
  return to - from - covered;
}
const root = mkdtempSync(join(tmpdir(), 'roku-bench-first-'));
const checked = createHostConfigValidator().validate({
  log: { level: 'silent' },
  agent: { initialBackoffMs: 1 },
  plugins: {
    devDirs: ['provider-scripted', 'memory-sqlite', 'context-default'].map((p) => join(repo, 'plugins', p)),
    settings: { '@roku/plugin-provider-scripted': { script: [{ text: 'Hello there' }], chunkChars: 64 } },
  },
});
if (!checked.ok) throw new Error(JSON.stringify(checked.issues));
const runtimes = [];
for (const [label, lib] of builds) {
  const home = join(root, `home-${runtimes.length}`);
  const workspace = join(root, `ws-${runtimes.length}`);
  mkdirSync(home, { recursive: true });
  mkdirSync(workspace, { recursive: true });
  const runtime = await lib.createAgentRuntime({
    config: checked.value,
    reloadConfig: () => checked.value,
    home,
    workspace,
    logger: lib.createRootLogger({ level: 'silent' }),
    env: {},
  });
  runtimes.push({ label, runtime, rows: {}, ms: 0, runs: 0 });
}
const pct = (xs, p) => {
  const s = xs.slice().sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? NaN;
};
async function once(rt, kind, sessionId, keep) {
  calls = [];
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  let started;
  let delta;
  const result = await rt.runtime.run(
    { sessionId, goal: 'say hello', approvalMode: 'deny' },
    {
      onEvent: (e) => {
        if (e.type === 'RunStarted') started ??= performance.now();
        if (e.type === 'LlmTextDelta') delta ??= performance.now();
      },
    },
  );
  const end = performance.now();
  const cpu = process.cpuUsage(cpu0);
  if (result.status !== 'succeeded') throw new Error(`${rt.label}: run ${result.status}: ${result.message}`);
  if (!keep) return;
  rt.ms += end - t0;
  rt.runs += 1;
  const x = (rt.rows[kind] ??= { started: [], toDelta: [], total: [], host: [], whole: [], cpu: [] });
  x.host.push(hostShare(t0, delta));
  x.cpu.push((cpu.user + cpu.system) / 1000);
  x.started.push(started - t0);
  x.toDelta.push(delta - started);
  x.total.push(delta - t0);
  x.whole.push(end - t0);
}
const loadBefore = loadavg()[0];
for (let i = 0; i < N; i++) {
  for (const [kind, session] of [
    ['fresh session', `fresh-${i}`],
    ['existing session', 'existing'],
  ]) {
    // alternate which build goes first, so neither always runs right after the other's run
    const order = i % 2 === 0 ? runtimes : runtimes.slice().reverse();
    for (const rt of order) await once(rt, kind, session, i >= WARM);
  }
}
const line = (label, v) =>
  console.log(
    `    ${label.padEnd(40)} p50 ${pct(v, 50).toFixed(2).padStart(6)} ms  p99 ${pct(v, 99).toFixed(2).padStart(7)} ms`,
  );
console.log(
  `agent runtime: time to a run's first text event (${N - WARM} runs per case and build, interleaved; scripted provider, memory-sqlite, context-default)`,
);
console.log(
  "  goal: the host's share of run() -> first text event <= 1 ms p50 (issue 13): the time no plugin call covers",
);
console.log(
  `  load average: ${loadBefore.toFixed(2)} at the start, ${loadavg()[0].toFixed(2)} at the end (2 cores)`,
);
for (const rt of runtimes) {
  console.log(`  ${rt.label}`);
  for (const [kind, x] of Object.entries(rt.rows)) {
    line(`${kind}: run() -> RunStarted`, x.started);
    line(`${kind}: RunStarted -> first text event`, x.toDelta);
    line(`${kind}: run() -> first text event`, x.total);
    line(`${kind}: host's share of that`, x.host);
    line(`${kind}: whole run`, x.whole);
    line(`${kind}: host process CPU per run`, x.cpu);
  }
  console.log(`    runs/s, one at a time: ${((1000 * rt.runs) / rt.ms).toFixed(0)}`);
}
for (const rt of runtimes) await rt.runtime.close();
rmSync(root, { recursive: true, force: true });
