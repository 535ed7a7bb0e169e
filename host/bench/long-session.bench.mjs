#!/usr/bin/env node
// pnpm bench long-session: one session driven for many turns (ROKU_BENCH_TURNS, default 500) in one runtime;
// every 50 turns prints the host's RSS, JS heap and external memory, and the turn time of the last 50 turns,
// so growth with the session's length shows where it is; then the first and last windows against the goal
// (flat). ROKU_BENCH_REMEMBER=1 turns agent.rememberExchanges on (a memory write and recall every turn).
// Prints figures only.
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execFileSync } from 'node:child_process';
import { createHostConfigValidator } from '@roku/schemas';
import { createAgentRuntime, createRootLogger } from '../dist/index.js';

const repo = fileURLToPath(new URL('../../', import.meta.url));
const TURNS = Number(process.env.ROKU_BENCH_TURNS ?? 500);
const root = mkdtempSync(join(tmpdir(), 'roku-bench-long-'));
const home = join(root, 'home');
const workspace = join(root, 'ws');
mkdirSync(home, { recursive: true });
mkdirSync(workspace, { recursive: true });

const result = createHostConfigValidator().validate({
  log: { level: 'silent' },
  agent: { rememberExchanges: process.env.ROKU_BENCH_REMEMBER === '1' },
  plugins: { devDirs: [join(repo, 'plugins/provider-scripted'), join(repo, 'plugins/toolset-fs')] },
});
if (!result.ok) throw new Error(JSON.stringify(result.issues));
const runtime = await createAgentRuntime({
  config: result.value,
  home,
  workspace,
  logger: createRootLogger({ level: 'silent' }),
  env: {},
});

const mb = (bytes) => `${(bytes / 1024 / 1024).toFixed(0)} MB`;
/** RSS of this process's children (the sandbox runners), from ps. */
function runnersRss() {
  try {
    const out = execFileSync('ps', ['-o', 'rss=', '--ppid', String(process.pid)], { encoding: 'utf8' });
    return out.split('\n').reduce((sum, line) => sum + (Number(line.trim()) || 0) * 1024, 0);
  } catch {
    return 0;
  }
}
/** CPU time (ms) of this process's children, from /proc (clock ticks of 10 ms): less noisy than wall time. */
function runnersCpuMs() {
  let pids;
  try {
    pids = execFileSync('ps', ['-o', 'pid=', '--ppid', String(process.pid)], { encoding: 'utf8' });
  } catch {
    return 0;
  }
  let ticks = 0;
  for (const pid of pids.split(/\s+/).filter(Boolean)) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      ticks += Number(fields[11]) + Number(fields[12]);
    } catch {
      // gone meanwhile (ps itself is one of the children)
    }
  }
  return ticks * 10;
}
const hostCpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
let window = [];
const windows = [];
let cpuMark = { host: hostCpuMs(), runners: runnersCpuMs(), turn: 0 };
console.log(`${TURNS} turns in one session (scripted provider, list_dir tool every turn)`);
console.log(
  'turn   rss      heap     heapTotal external  runners  turn p50 (last 50)  CPU per turn: host   runners',
);
for (let i = 1; i <= TURNS; i++) {
  const started = performance.now();
  const r = await runtime.run({ sessionId: 'long', goal: `list_dir {"path":"."}`, approvalMode: 'deny' }, {});
  if (r.status !== 'succeeded') throw new Error(`turn ${i}: ${r.status} ${r.message}`);
  window.push(performance.now() - started);
  if (i % 50 === 0 || i === 1) {
    globalThis.gc?.();
    const m = process.memoryUsage();
    const sorted = window.slice().sort((a, b) => a - b);
    const p50 = sorted[Math.floor(sorted.length / 2)] ?? 0;
    const cpu = { host: hostCpuMs(), runners: runnersCpuMs(), turn: i };
    const turns = i - cpuMark.turn;
    const hostCpu = (cpu.host - cpuMark.host) / turns;
    const runnerCpu = (cpu.runners - cpuMark.runners) / turns;
    cpuMark = cpu;
    windows.push({ turn: i, p50, rss: m.rss, runners: runnersRss(), hostCpu, runnerCpu });
    console.log(
      `${String(i).padEnd(6)} ${mb(m.rss).padEnd(8)} ${mb(m.heapUsed).padEnd(8)} ${mb(m.heapTotal).padEnd(9)} ${mb(m.external).padEnd(9)} ${mb(runnersRss()).padEnd(8)} ${`${p50.toFixed(1)} ms`.padEnd(19)} ${hostCpu.toFixed(1).padStart(17)} ms ${runnerCpu.toFixed(1).padStart(6)} ms`,
    );
    window = [];
  }
}
// the first window is turn 1 alone (cold start): compare from the first full window on
const first = windows[1] ?? windows[0];
const last = windows.at(-1);
if (first !== undefined && last !== undefined && last !== first) {
  console.log(
    `\ngoal: flat with the session's length. turns ${first.turn} → ${last.turn}: turn p50 ${first.p50.toFixed(1)} → ${last.p50.toFixed(1)} ms, ` +
      `host CPU ${first.hostCpu.toFixed(1)} → ${last.hostCpu.toFixed(1)} ms/turn, runners CPU ${first.runnerCpu.toFixed(1)} → ${last.runnerCpu.toFixed(1)} ms/turn, ` +
      `host RSS ${mb(first.rss)} → ${mb(last.rss)}, runners RSS ${mb(first.runners)} → ${mb(last.runners)}`,
  );
}
await runtime.close();
rmSync(root, { recursive: true, force: true });
