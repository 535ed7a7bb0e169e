// Host overhead per agent turn (issue 13): everything but the model and tool calls themselves, with 50 tools and
// a 100-message session, and with 1,000 tools (deferred behind tool_search, and all offered) and 1,000 messages;
// then turns/s with the scripted provider (it answers at once: the nearest thing to a zero-latency model), with
// each turn in a new session (every plugin prepares a realm for it) and with sessions that go on.
// Beside each figure: its goal, and a baseline measured in the same run, in interleaved blocks. By default the
// baseline is the same runtime with every event written at once (one transaction and one trace write per event,
// as before events were buffered); with ROKU_BENCH_BASELINE=<an older build's host/dist folder> it is that
// build's runtime (e.g. a copy of the checkout at the previous commit, built), so every change is in the figure.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHostConfigValidator } from '@roku/schemas';
import { pathToFileURL } from 'node:url';
import * as current from '../dist/index.js';

const GOAL_P50_MS = 1;
const GOAL_TURNS_PER_S = 500;
const MAX_TOOLS_PER_PLUGIN = 250;

const pct = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
const sorted = (xs) => xs.slice().sort((a, b) => a - b);
const ms = (x) => `${x.toFixed(2)} ms`;
const SINK = { inc() {}, set() {}, observe() {} };

/** Writes raw-ABI tool plugins holding `count` tools in all; tool `called` is never deferred. */
function writeToolPlugins(root, count, called, deferred) {
  const dirs = [];
  for (let p = 0; p * MAX_TOOLS_PER_PLUGIN < count; p++) {
    const dir = join(root, `tools-${count}-${deferred ? 'd' : 'o'}-${p}`);
    mkdirSync(join(dir, 'dist'), { recursive: true });
    const n = Math.min(MAX_TOOLS_PER_PLUGIN, count - p * MAX_TOOLS_PER_PLUGIN);
    const tools = Array.from({ length: n }, (_, i) => {
      const name = `p${p}_tool_${String(i).padStart(3, '0')}`;
      return {
        name,
        description: `Benchmark tool ${name}: returns its text with a suffix. Useful for measuring overhead.`,
        inputSchema: {
          type: 'object',
          properties: { text: { type: 'string', description: 'any text' }, count: { type: 'integer' } },
          required: ['text'],
          additionalProperties: false,
        },
        risk: ['read'],
        ...(deferred && name !== called ? { deferred: true } : {}),
      };
    });
    writeFileSync(
      join(dir, 'roku.plugin.json'),
      JSON.stringify({
        manifestVersion: 1,
        id: `@bench/tools-${p}`,
        version: '1.0.0',
        description: 'Read-only tools for the runtime benchmark.',
        license: 'Apache-2.0',
        engines: { roku: '^0.1.0' },
        runtime: { type: 'isolate', entry: 'dist/plugin.js' },
        contributes: { tools },
        permissions: {},
      }),
    );
    writeFileSync(
      join(dir, 'dist', 'plugin.js'),
      `const description = JSON.stringify({ abi: 1, tools: ${JSON.stringify(tools.map((t) => t.name))}, providers: [], memorySlot: null, contextEngine: null, subagentRuntimes: [] });
globalThis.__roku_abi = Object.freeze({
  describe: () => description,
  call: async (json) => {
    const req = JSON.parse(json);
    return JSON.stringify({ ok: true, value: { text: String(req.input.text) + ' (' + req.op + ')' } });
  },
});`,
    );
    dirs.push(dir);
  }
  return dirs;
}

/** A session history of `count` messages: questions, answers and tool calls with their results. */
export function history(count) {
  const out = [];
  for (let i = 0; out.length < count; i++) {
    if (i % 4 === 3 && out.length + 3 <= count) {
      const id = `call_${i}`;
      out.push({
        role: 'assistant',
        content: '',
        toolCalls: [{ id, name: 'p0_tool_001', arguments: { text: `item ${i}` } }],
      });
      out.push({
        role: 'tool',
        toolCallId: id,
        content: JSON.stringify({ text: `item ${i} (tool)`, rows: [i, i + 1, i + 2] }),
      });
      out.push({
        role: 'assistant',
        content: `The tool returned item ${i}; here is what that means for the question.`,
      });
    } else if (out.length % 2 === 0) {
      out.push({
        role: 'user',
        content: `Question ${i}: what happens to the widgets when the frobnicator is at level ${i}?`,
      });
    } else {
      out.push({
        role: 'assistant',
        content: `At level ${i} the widgets are frobnicated ${i} times, as the manual explains in its section ${i % 17}.`,
      });
    }
  }
  if (out.at(-1)?.role === 'user') out[out.length - 1] = { role: 'assistant', content: 'Noted.' };
  return out;
}

/**
 * One runtime for a scenario: `tools` tools in raw-ABI plugins, the scripted provider calling one of them.
 * `pluginMs` adds up, per plugin id, the wall time of its sandbox calls as the host sees them.
 */
export async function scenarioRuntime(root, repo, { tools, deferred, offerAll }, host = current, tag = '') {
  const called = 'p0_tool_007';
  const dirs = writeToolPlugins(root, tools, called, deferred);
  const pluginMs = new Map();
  const metrics = {
    calls: SINK,
    errors: SINK,
    cpuMs: SINK,
    memoryBytes: SINK,
    runnerRestarts: SINK,
    quarantines: SINK,
    loadMs: SINK,
    queuedCalls: SINK,
    latency: {
      observe: ({ plugin }, seconds) => pluginMs.set(plugin, (pluginMs.get(plugin) ?? 0) + seconds * 1000),
    },
  };
  const result = createHostConfigValidator().validate({
    log: { level: 'silent' },
    agent: { initialBackoffMs: 1, ...(offerAll ? { deferToolsAboveTokens: 0 } : {}) },
    plugins: {
      devDirs: [join(repo, 'plugins/provider-scripted'), ...dirs],
      settings: {
        '@roku/plugin-provider-scripted': {
          script: [
            { toolCalls: [{ name: called, arguments: { text: 'bench' } }] },
            { text: `${called} said bench` },
          ],
          chunkChars: 64,
        },
      },
    },
  });
  if (!result.ok) throw new Error(JSON.stringify(result.issues));
  const home = join(root, `home-${tools}-${offerAll ? 'offered' : 'deferred'}${tag}`);
  const workspace = join(root, 'ws');
  mkdirSync(home, { recursive: true });
  mkdirSync(workspace, { recursive: true });
  const runtime = await host.createAgentRuntime({
    config: result.value,
    home,
    workspace,
    logger: host.createRootLogger({ level: 'silent' }),
    // explicit, so that a baseline build outside this checkout loads the same first-party plugins
    bundledPluginsDir: join(repo, 'plugins'),
    env: {},
    metrics,
  });
  return { runtime, pluginMs };
}

/** Switches a runtime's store to one write per event (the baseline without an older build). */
function writeEachEvent(runtime) {
  const store = runtime.store;
  const buffered = store.appendEvent;
  return (on) => {
    store.appendEvent = on
      ? (runId, event) => {
          buffered(runId, event);
          store.flushEvents();
        }
      : buffered;
  };
}

/**
 * The two contenders of a scenario: `now` (this build) and `baseline` (an older build's runtime, or this one
 * writing each event at once). `use(name)` readies one before its block and returns what to run turns on.
 */
async function contenders(root, repo, options, baselineHost) {
  const now = await scenarioRuntime(root, repo, options);
  if (baselineHost !== undefined) {
    const baseline = await scenarioRuntime(root, repo, options, baselineHost, '-baseline');
    return {
      use: (name) => (name === 'now' ? now : baseline),
      info: now.runtime.snapshotInfo(),
      close: async () => {
        await now.runtime.close();
        await baseline.runtime.close();
      },
    };
  }
  const eachEvent = writeEachEvent(now.runtime);
  return {
    use: (name) => {
      eachEvent(name === 'baseline');
      return now;
    },
    info: now.runtime.snapshotInfo(),
    close: async () => {
      eachEvent(false);
      await now.runtime.close();
    },
  };
}

let sessionCounter = 0;

/** Messages one turn adds to a session: its question, the tool call, the tool result and the answer. */
export const TURN_MESSAGES = 4;

/**
 * One turn in a fresh session seeded with `seeded` messages and then one turn run on this host, as a session
 * this host has served before (its messages listed, its context engine's copy of them kept); seeding and that
 * first turn are not timed.
 */
export async function timedTurn({ runtime, pluginMs }, seeded) {
  const sessionId = `s-${process.pid}-${sessionCounter++}`;
  if (seeded.length > 0) {
    runtime.store.ensureSession(sessionId);
    runtime.store.appendMessages(sessionId, null, seeded);
    runtime.store.listMessages(sessionId);
    await runtime.run({ sessionId, goal: 'use tool 7', approvalMode: 'deny' });
  }
  pluginMs.clear();
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  const result = await runtime.run({ sessionId, goal: 'use tool 7', approvalMode: 'deny' });
  const wall = performance.now() - started;
  const cpu = process.cpuUsage(cpuBefore);
  if (result.status !== 'succeeded') throw new Error(`turn ${result.status}: ${result.message}`);
  let modelAndTools = 0;
  let otherPlugins = 0;
  for (const [plugin, t] of pluginMs) {
    if (plugin === '@roku/plugin-provider-scripted' || plugin.startsWith('@bench/')) modelAndTools += t;
    else otherPlugins += t;
  }
  return {
    wall,
    overhead: wall - modelAndTools,
    hostOnly: wall - modelAndTools - otherPlugins,
    hostCpu: (cpu.user + cpu.system) / 1000,
  };
}

async function overheadScenario(root, repo, baselineHost, label, options, messages, turnsPerBlock, blocks) {
  const pair = await contenders(root, repo, options, baselineHost);
  // the served turn's messages and the timed turn's own question make `messages`
  const seeded = history(messages - 1 - TURN_MESSAGES);
  const figures = { now: [], baseline: [] };
  for (const name of ['now', 'baseline'])
    for (let i = 0; i < 10; i++) await timedTurn(pair.use(name), seeded);
  for (let b = 0; b < blocks; b++) {
    for (const name of b % 2 === 0 ? ['now', 'baseline'] : ['baseline', 'now']) {
      const scenario = pair.use(name);
      for (let i = 0; i < turnsPerBlock; i++) figures[name].push(await timedTurn(scenario, seeded));
    }
  }
  await pair.close();
  const line = (name, pick) => {
    const now = sorted(figures.now.map(pick));
    const base = sorted(figures.baseline.map(pick));
    return `    ${name.padEnd(46)} p50 ${ms(pct(now, 50)).padStart(9)}  p99 ${ms(pct(now, 99)).padStart(9)}   baseline p50 ${ms(pct(base, 50)).padStart(9)}  p99 ${ms(pct(base, 99)).padStart(9)}`;
  };
  const p50 = pct(sorted(figures.now.map((f) => f.overhead)), 50);
  console.log(
    `\n  ${label}: ${pair.info.tools.length} tools loaded, ${messages} messages in the session, ${figures.now.length} turns each`,
  );
  console.log(line('turn wall time', (f) => f.wall));
  console.log(line('host overhead (wall − model − tool calls)', (f) => f.overhead));
  console.log(line('  of it outside any sandbox call', (f) => f.hostOnly));
  console.log(line('host process CPU per turn (sandbox hops incl.)', (f) => f.hostCpu));
  console.log(
    `    goal ≤ ${ms(GOAL_P50_MS)} p50: ${p50 <= GOAL_P50_MS ? 'met' : `MISSED (${ms(p50)})`}` +
      "  (overhead includes the context-engine and memory plugins' sandbox calls)",
  );
  return p50;
}

/**
 * Turns a session of the throughput run has before it gives way to a new one: 25 turns make 100 messages, the
 * session length of the first overhead scenario.
 */
const SESSION_TURNS = 25;

/** One turn in a session that goes on (see SESSION_TURNS); `session` is the worker's own. */
async function continuingTurn({ runtime }, session) {
  if (session.turns >= SESSION_TURNS) {
    session.id = `c-${process.pid}-${sessionCounter++}`;
    session.turns = 0;
  }
  session.turns += 1;
  const result = await runtime.run({ sessionId: session.id, goal: 'use tool 7', approvalMode: 'deny' });
  if (result.status !== 'succeeded') throw new Error(`turn ${result.status}: ${result.message}`);
}

/**
 * Turns/s with `concurrency` sessions running turns at once, each turn in a new session (`fresh`: every plugin
 * prepares a realm for it) or each going on in its own (a realm kept per session and plugin).
 */
async function throughput(root, repo, baselineHost, seconds, concurrency, fresh) {
  const pair = await contenders(root, repo, { tools: 50, deferred: false, offerAll: false }, baselineHost);
  for (const name of ['now', 'baseline']) for (let i = 0; i < 10; i++) await timedTurn(pair.use(name), []);
  const counts = { now: [], baseline: [] };
  const windowMs = 1000;
  const sessions = Array.from({ length: concurrency }, () => ({ id: '', turns: SESSION_TURNS }));
  for (let w = 0; w < seconds; w++) {
    const name = w % 2 === 0 ? 'now' : 'baseline';
    const scenario = pair.use(name);
    const until = performance.now() + windowMs;
    let turns = 0;
    await Promise.all(
      sessions.map(async (session) => {
        // a window starts each worker in a session of this contender's
        session.turns = SESSION_TURNS;
        while (performance.now() < until) {
          if (fresh) await timedTurn(scenario, []);
          else await continuingTurn(scenario, session);
          turns += 1;
        }
      }),
    );
    counts[name].push(turns / (windowMs / 1000));
  }
  await pair.close();
  const median = (xs) => pct(sorted(xs), 50);
  const now = median(counts.now);
  console.log(
    `\n  turns/s, ${concurrency} sessions at once, ${fresh ? 'each turn in a new session' : `each session going on for ${SESSION_TURNS} turns`}, 50 tools, scripted provider (answers at once), ${seconds} interleaved 1 s windows:`,
  );
  console.log(`    ${now.toFixed(0)} turns/s   baseline ${median(counts.baseline).toFixed(0)} turns/s`);
  console.log(
    `    goal ≥ ${GOAL_TURNS_PER_S} turns/s: ${now >= GOAL_TURNS_PER_S ? 'met' : `MISSED (${now.toFixed(0)})`}`,
  );
}

/** Prints the host-overhead figures; `turns` per scenario and mode. */
export async function hostOverhead(repo, turns) {
  const root = mkdtempSync(join(tmpdir(), 'roku-bench-overhead-'));
  try {
    const baselineDir = process.env.ROKU_BENCH_BASELINE;
    const baselineHost =
      baselineDir === undefined || baselineDir === ''
        ? undefined
        : await import(pathToFileURL(join(baselineDir, 'index.js')).href);
    console.log(
      `host overhead per turn (2 model calls + 1 tool call); baseline: ${
        baselineHost === undefined
          ? 'this build writing each event at once (one transaction and one trace write per event)'
          : `the build in ${baselineDir}`
      }`,
    );
    const block = Math.max(5, Math.round(turns / 10));
    const blocks = Math.max(2, Math.round(turns / block));
    await overheadScenario(
      root,
      repo,
      baselineHost,
      '50 tools, 100-message session',
      { tools: 50, deferred: false, offerAll: false },
      100,
      block,
      blocks,
    );
    await overheadScenario(
      root,
      repo,
      baselineHost,
      '1,000 tools (deferred), 1,000-message session',
      { tools: 1000, deferred: true, offerAll: false },
      1000,
      block,
      blocks,
    );
    await overheadScenario(
      root,
      repo,
      baselineHost,
      '1,000 tools (all offered), 1,000-message session',
      { tools: 1000, deferred: false, offerAll: true },
      1000,
      block,
      blocks,
    );
    await throughput(root, repo, baselineHost, 6, 8, true);
    await throughput(root, repo, baselineHost, 6, 8, false);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}
