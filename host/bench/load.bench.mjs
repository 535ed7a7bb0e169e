#!/usr/bin/env node
// pnpm bench load: the concurrency curve of whole agent turns. 1, 10, 100 and 1,000 sessions run turns at
// once (1 model call through the sandboxed scripted provider, which answers at once or after 100 ms like an
// upstream model), with the user's config raising the plugins' concurrency (the host still admits no more calls
// than each plugin's heap holds, and queues the rest). Prints turns/s, p50/p99 turn latency, failed turns, host
// and runner RSS and the machine's 1-minute load average per level. Prints figures only; asserts nothing.
import { readFileSync, readdirSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createHostConfigValidator } from '@roku/schemas';
import { createAgentRuntime, createRootLogger } from '../dist/index.js';

const repo = fileURLToPath(new URL('../../', import.meta.url));
const LEVELS = (process.env.ROKU_BENCH_LEVELS ?? '1,10,100,1000').split(',').map(Number);
const DELAYS = (process.env.ROKU_BENCH_DELAYS ?? '0,100').split(',').map(Number);
const MIN_TURNS = Number(process.env.ROKU_BENCH_TURNS ?? 200);
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
    plugins: {
      devDirs: [join(repo, 'plugins/provider-scripted')],
      settings: {
        '@roku/plugin-provider-scripted': { script: [{ text: 'done' }], chunkChars: 64, delayMs },
      },
      // what a user serving many sessions sets: more calls at once than the manifests' defaults
      grants: Object.fromEntries(FIRST_PARTY.map((id) => [id, { limits: { concurrency: 1024 } }])),
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

/** Resident memory of this process's children (the runners). */
function runnersRss() {
  let total = 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === process.pid) total += rssOf(Number(entry));
    } catch {
      // the process ended meanwhile
    }
  }
  return total;
}

const pct = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
const mib = (bytes) => (bytes / 1024 / 1024).toFixed(0);
const rows = [];

for (const delayMs of DELAYS) {
  const home = join(root, `home-${delayMs}`);
  const workspace = join(root, 'ws');
  mkdirSync(home, { recursive: true });
  mkdirSync(workspace, { recursive: true });
  const current = config(delayMs);
  const runtime = await createAgentRuntime({
    config: current,
    reloadConfig: () => current,
    home,
    workspace,
    logger: createRootLogger({ level: 'silent' }),
    env: {},
  });
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
      peakRunners = Math.max(peakRunners, runnersRss());
    }, 200);
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
    clearInterval(sampler);
    peakRunners = Math.max(peakRunners, runnersRss());
    times.sort((a, b) => a - b);
    rows.push({
      'upstream ms': delayMs,
      sessions,
      turns: times.length,
      'turns/s': (times.length / elapsed).toFixed(0),
      'p50 ms': pct(times, 50).toFixed(1),
      'p99 ms': pct(times, 99).toFixed(1),
      'failed turns': failed,
      'host RSS MiB': mib(rssOf(process.pid)),
      'runners RSS MiB': mib(peakRunners),
      load: loadavg()[0].toFixed(1),
      errors: [...errors].map(([c, n]) => `${c}×${n}`).join(' '),
    });
    console.log(JSON.stringify(rows.at(-1)));
  }
  await runtime.close();
}

console.log('\nAgent turns at increasing concurrency (1 model call per turn, sandboxed scripted provider)');
console.table(rows);
for (const delayMs of DELAYS) {
  const level = rows.filter((r) => r['upstream ms'] === delayMs);
  const one = level.find((r) => r.sessions === 1);
  const most = level.at(-1);
  if (one === undefined || most === undefined) continue;
  const bump = Number(most['p99 ms']) - Number(one['p99 ms']);
  console.log(
    `upstream ${delayMs} ms: goal 0 failed turns at ${most.sessions} sessions and p99 within +50 ms of one session's: ` +
      `${most['failed turns']} failed, p99 +${bump.toFixed(1)} ms -> ${most['failed turns'] === 0 && bump <= 50 ? 'met' : 'NOT met'}`,
  );
}
rmSync(root, { recursive: true, force: true });
