#!/usr/bin/env node
// pnpm bench load: the concurrency curve of whole agent turns. 1, 10, 100 and 1,000 sessions run turns at
// once (1 model call through the sandboxed scripted provider, which answers at once or after 100 ms like an
// upstream model), with the user's config raising the plugins' concurrency (the host still admits no more calls
// than each plugin's heap holds, and queues the rest). Prints turns/s, p50/p99 turn latency, failed turns, host
// and runner RSS, the CPU a turn costs in the host and in the runners, the sandbox calls a turn makes, and the
// machine's 1-minute load average per level. Then, against the issue's goals: turns/s at saturation with a
// zero-latency provider (goal ≥ 500), and the arithmetic bound for the p99 goal: N sessions started at once,
// each turn needing C ms of CPU on K cores, cannot all finish before N·C/K ms whatever the scheduling.
// Prints figures only; asserts nothing.
//
// ROKU_BENCH_REPO=<checkout> runs the same levels against another checkout's build (its host/dist and
// plugins), e.g. main, for a before/after in one quiet moment. ROKU_BENCH_RUNNERS sets
// sandbox.maxRunnersPerGroup (0: the pool's default, one per core). ROKU_BENCH_MEMORY_MB grants the first-party
// plugins that much memory (plugins.grants[id].limits.memoryMb): each call in flight holds a realm in it.
import { readFileSync, readdirSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Registry } from 'prom-client';
import { createHostConfigValidator } from '@roku/schemas';

const repo = resolve(process.env.ROKU_BENCH_REPO ?? fileURLToPath(new URL('../../', import.meta.url)));
const { createAgentRuntime, createRootLogger, createSandboxMetrics } = await import(
  pathToFileURL(join(repo, 'host/dist/index.js')).href
);
const LEVELS = (process.env.ROKU_BENCH_LEVELS ?? '1,10,100,1000').split(',').map(Number);
const DELAYS = (process.env.ROKU_BENCH_DELAYS ?? '0,100').split(',').map(Number);
const MIN_TURNS = Number(process.env.ROKU_BENCH_TURNS ?? 200);
const RUNNERS = Number(process.env.ROKU_BENCH_RUNNERS ?? 0);
/** plugins.grants[id].limits.memoryMb for the first-party plugins; 0: their manifests' values. */
const MEMORY_MB = Number(process.env.ROKU_BENCH_MEMORY_MB ?? 0);
const CORES = availableParallelism();
const GOAL_TURNS_PER_S = 500;
const GOAL_P99_BUMP_MS = 50;
const FIRST_PARTY = [
  '@roku/plugin-provider-scripted',
  '@roku/plugin-context-default',
  '@roku/plugin-memory-session',
];

const root = mkdtempSync(join(tmpdir(), 'roku-bench-load-'));
const validator = createHostConfigValidator();
function config(delayMs) {
  const result = validator.validate({
    log: { level: 'silent' },
    agent: { initialBackoffMs: 1 },
    sandbox: {
      maxRunnersPerGroup: RUNNERS,
      ...(MEMORY_MB > 256 ? { maxPluginMemoryMb: MEMORY_MB } : {}),
    },
    plugins: {
      devDirs: [join(repo, 'plugins/provider-scripted')],
      settings: {
        '@roku/plugin-provider-scripted': { script: [{ text: 'done' }], chunkChars: 64, delayMs },
      },
      // what a user serving many sessions sets: more calls at once than the manifests' defaults (and, with
      // ROKU_BENCH_MEMORY_MB, more memory to hold the realms of those calls)
      grants: Object.fromEntries(
        FIRST_PARTY.map((id) => [
          id,
          { limits: { concurrency: 1024, ...(MEMORY_MB > 0 ? { memoryMb: MEMORY_MB } : {}) } },
        ]),
      ),
    },
  });
  if (!result.ok) throw new Error(JSON.stringify(result.issues));
  return result.value;
}

function rssOf(pid) {
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match === null ? 0 : Number(match[1]) * 1024;
  } catch {
    return 0;
  }
}

/** This process's children (the runners): pid → [rss bytes, CPU ms used so far (user + system)]. */
function runners() {
  const found = new Map();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[1]) !== process.pid) continue;
      // utime and stime (fields 14 and 15 of stat) in clock ticks of 10 ms
      found.set(Number(entry), [rssOf(Number(entry)), (Number(fields[11]) + Number(fields[12])) * 10]);
    } catch {
      // the process ended meanwhile
    }
  }
  return found;
}

/** CPU ms the runners used since `before` (a runner that ended meanwhile counts up to its last sample). */
function runnerCpuSince(before, after) {
  let ms = 0;
  for (const [pid, [, cpu]] of after) ms += cpu - (before.get(pid)?.[1] ?? 0);
  return ms;
}

const hostCpuMs = () => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
};
const pct = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
const mib = (bytes) => (bytes / 1024 / 1024).toFixed(0);
const rows = [];

for (const delayMs of DELAYS) {
  const home = join(root, `home-${delayMs}`);
  const workspace = join(root, 'ws');
  mkdirSync(home, { recursive: true });
  mkdirSync(workspace, { recursive: true });
  const current = config(delayMs);
  const registry = new Registry();
  const runtime = await createAgentRuntime({
    config: current,
    reloadConfig: () => current,
    home,
    workspace,
    logger: createRootLogger({ level: 'silent' }),
    env: {},
    metrics: createSandboxMetrics(registry),
  });
  const sandboxCalls = async () => {
    const metric = (await registry.getMetricsAsJSON()).find((m) => m.name === 'roku_plugin_calls_total');
    return (metric?.values ?? []).reduce((sum, v) => sum + v.value, 0);
  };
  const turn = async (sessionId) => {
    const started = performance.now();
    try {
      const result = await runtime.run({ sessionId, goal: 'say done', approvalMode: 'deny' });
      return { ms: performance.now() - started, ok: result.status === 'succeeded', error: result.error };
    } catch (err) {
      return { ms: performance.now() - started, ok: false, error: err };
    }
  };
  for (let i = 0; i < 20; i++) await turn(`warm-${i}`);
  for (const sessions of LEVELS) {
    const perSession = Math.max(1, Math.ceil(MIN_TURNS / sessions));
    const times = [];
    const errors = new Map();
    let failed = 0;
    let peakRunners = 0;
    const sampler = setInterval(() => {
      let rss = 0;
      for (const [r] of runners().values()) rss += r;
      peakRunners = Math.max(peakRunners, rss);
    }, 200);
    const callsBefore = await sandboxCalls();
    const runnersBefore = runners();
    const hostBefore = hostCpuMs();
    const started = performance.now();
    await Promise.all(
      Array.from({ length: sessions }, async (_, s) => {
        for (let n = 0; n < perSession; n++) {
          const r = await turn(`d${delayMs}-s${sessions}-${s}-${n}`);
          times.push(r.ms);
          if (!r.ok) {
            failed += 1;
            const code = r.error?.code ?? 'unknown';
            if (!errors.has(code) && process.env.ROKU_BENCH_VERBOSE === '1') {
              console.error(code, r.error?.message, JSON.stringify(r.error?.details ?? {}).slice(0, 600));
            }
            errors.set(code, (errors.get(code) ?? 0) + 1);
          }
        }
      }),
    );
    const elapsed = (performance.now() - started) / 1000;
    const hostMs = hostCpuMs() - hostBefore;
    clearInterval(sampler);
    const runnersAfter = runners();
    const runnerMs = runnerCpuSince(runnersBefore, runnersAfter);
    let rssNow = 0;
    for (const [r] of runnersAfter.values()) rssNow += r;
    peakRunners = Math.max(peakRunners, rssNow);
    const calls = (await sandboxCalls()) - callsBefore;
    times.sort((a, b) => a - b);
    rows.push({
      'upstream ms': delayMs,
      sessions,
      turns: times.length,
      'turns/s': (times.length / elapsed).toFixed(0),
      'p50 ms': pct(times, 50).toFixed(1),
      'p99 ms': pct(times, 99).toFixed(1),
      'failed turns': failed,
      'host CPU ms/turn': (hostMs / times.length).toFixed(2),
      'runner CPU ms/turn': (runnerMs / times.length).toFixed(2),
      'calls/turn': (calls / times.length).toFixed(1),
      runners: runnersAfter.size,
      'host RSS MiB': mib(rssOf(process.pid)),
      'runners RSS MiB': mib(peakRunners),
      load: loadavg()[0].toFixed(1),
      errors: [...errors].map(([c, n]) => `${c}×${n}`).join(' '),
    });
    console.log(JSON.stringify(rows.at(-1)));
  }
  if (process.env.ROKU_BENCH_VERBOSE === '1') {
    const metric = (await registry.getMetricsAsJSON()).find((m) => m.name === 'roku_plugin_calls_total');
    for (const v of metric?.values ?? [])
      console.error(`calls ${v.labels.plugin} ${v.labels.op}: ${v.value}`);
  }
  await runtime.close();
}

console.log(
  `\nAgent turns at increasing concurrency (1 model call per turn, sandboxed scripted provider; ${repo}, ` +
    `${CORES} cores, maxRunnersPerGroup ${RUNNERS === 0 ? 'default' : RUNNERS}, ` +
    `${MEMORY_MB > 0 ? `memoryMb ${MEMORY_MB} granted` : "manifests' memoryMb"})`,
);
console.table(rows);

const zero = rows.filter((r) => r['upstream ms'] === 0);
if (zero.length > 0) {
  const best = zero.reduce((a, b) => (Number(b['turns/s']) > Number(a['turns/s']) ? b : a));
  const cpu = Number(best['host CPU ms/turn']) + Number(best['runner CPU ms/turn']);
  console.log(
    `saturation, zero-latency provider: ${best['turns/s']} turns/s at ${best.sessions} sessions ` +
      `(goal ≥ ${GOAL_TURNS_PER_S}) -> ${Number(best['turns/s']) >= GOAL_TURNS_PER_S ? 'met' : 'NOT met'}; ` +
      `CPU per turn ${cpu.toFixed(2)} ms = host ${best['host CPU ms/turn']} + runners ${best['runner CPU ms/turn']}, ` +
      `so ${CORES} cores give at most ${((CORES * 1000) / cpu).toFixed(0)} turns/s ` +
      `(${GOAL_TURNS_PER_S} turns/s needs ≤ ${((CORES * 1000) / GOAL_TURNS_PER_S).toFixed(1)} ms of CPU per turn)`,
  );
}
for (const delayMs of DELAYS) {
  const level = rows.filter((r) => r['upstream ms'] === delayMs);
  const one = level.find((r) => r.sessions === 1);
  const most = level.at(-1);
  if (one === undefined || most === undefined) continue;
  const bump = Number(most['p99 ms']) - Number(one['p99 ms']);
  console.log(
    `upstream ${delayMs} ms: goal 0 failed turns at ${most.sessions} sessions and p99 within +${GOAL_P99_BUMP_MS} ms of one session's: ` +
      `${most['failed turns']} failed, p99 +${bump.toFixed(1)} ms -> ${most['failed turns'] === 0 && bump <= GOAL_P99_BUMP_MS ? 'met' : 'NOT met'}`,
  );
  // The bound: the N first turns all start at once; their CPU (C ms each, host and runners) cannot be done
  // on K cores in less than N·C/K ms, so the 99th percentile turn ends no earlier than 0.99·N·C/K ms.
  const n = most.sessions;
  const c = Number(most['host CPU ms/turn']) + Number(most['runner CPU ms/turn']);
  const bound = (0.99 * n * c) / CORES;
  const allowed = Number(one['p99 ms']) + GOAL_P99_BUMP_MS;
  console.log(
    `  bound: ${n} sessions × ${c.toFixed(2)} ms CPU/turn / ${CORES} cores -> the p99 turn ends ≥ ${bound.toFixed(0)} ms ` +
      `after the start (all turns: ${((n * c) / CORES).toFixed(0)} ms); the goal allows ${allowed.toFixed(0)} ms, ` +
      `which needs ≤ ${((allowed * CORES) / (0.99 * n)).toFixed(2)} ms CPU/turn -> ` +
      `${bound <= allowed ? 'reachable' : `out of reach by ${(bound / allowed).toFixed(1)}×`}`,
  );
}
rmSync(root, { recursive: true, force: true });
