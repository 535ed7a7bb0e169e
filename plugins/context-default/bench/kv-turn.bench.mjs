#!/usr/bin/env node
// pnpm bench kv-turn: the plugin calls one agent turn makes into the first-party context engine (two
// context:beforeRequest of one run) and the session memory slot (a recall and a write), each in the session's
// kept realm as the runtime makes them, over the real sandbox (plugin-testing). What it shows is the cost of the
// plugins' kv capability round trips per turn. With ROKU_BENCH_BASELINE=<folder holding older built
// context-default/ and memory-session/ plugin folders> each older plugin runs beside this build's, turn by turn
// interleaved, so the load of a shared machine weighs on both alike. Figures only.
// ROKU_BENCH_TURNS (default 400) turns per plugin and build, the first 50 warm up.
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createTestHost } from '@roku/plugin-testing';

const plugins = fileURLToPath(new URL('../../', import.meta.url));
const N = Number(process.env.ROKU_BENCH_TURNS ?? 400);
const WARM = Math.min(50, Math.floor(N / 4));
const baseline = process.env.ROKU_BENCH_BASELINE;
const pct = (xs, p) => {
  const s = xs.slice().sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? NaN;
};
const conversation = [
  { role: 'system', content: 'You are a coding agent.' },
  ...Array.from({ length: 10 }, (_, i) => [
    { role: 'user', content: `question ${i} `.repeat(20) },
    { role: 'assistant', content: `answer ${i} `.repeat(20) },
  ]).flat(),
];
const cases = [
  {
    name: 'context-default',
    what: 'two context:beforeRequest of one run (the second with reported usage)',
    async turn(plugin, session, i) {
      const times = [];
      for (const reported of [undefined, 500 + (i % 7) * 10]) {
        const input = {
          request: { model: 'm', messages: conversation, sessionId: session },
          contextWindow: 200_000,
          compactThresholdRatio: 0.75,
          sessionId: session,
          runId: `run-${i}`,
          ...(reported === undefined ? {} : { reportedPromptTokens: reported }),
        };
        const t = performance.now();
        await plugin.sandbox.call('context:beforeRequest', input, { session });
        times.push(performance.now() - t);
      }
      return times;
    },
  },
  {
    name: 'memory-session',
    what: 'memory:recall, then memory:write of the exchange',
    async turn(plugin, session, i) {
      let t = performance.now();
      await plugin.sandbox.call(
        'memory:recall',
        { sessionId: session, query: 'say hello', limit: 8 },
        { session },
      );
      const recall = performance.now() - t;
      t = performance.now();
      const records = [{ text: `Q: say hello ${i}\nA: Hello there`, tags: ['exchange'] }];
      await plugin.sandbox.call('memory:write', { sessionId: session, records }, { session });
      return [recall, performance.now() - t];
    },
  },
];
console.log(
  `first-party plugins: plugin calls of one turn in the session's kept realm (${N - WARM} turns per plugin and build, interleaved)`,
);
console.log(
  '  goal: no kv round trip a turn does not need (issue 13); the calls below include the sandbox hop itself',
);
const before = loadavg()[0];
const lines = [];
for (const c of cases) {
  const builds = [['this build', join(plugins, c.name)]];
  if (baseline !== undefined && baseline !== '') builds.push(['baseline', join(resolve(baseline), c.name)]);
  const runs = [];
  for (const [label, dir] of builds) {
    const host = await createTestHost();
    runs.push({ label, host, plugin: await host.load(dir), times: [] });
  }
  for (let i = 0; i < N; i++) {
    // alternate which build goes first, so neither always runs right after the other's turn
    for (const r of i % 2 === 0 ? runs : runs.slice().reverse()) {
      const times = await c.turn(r.plugin, `bench-${c.name}`, i);
      if (i >= WARM) r.times.push(...times);
    }
  }
  lines.push(`  ${c.name}: ${c.what}, per call`);
  for (const r of runs) {
    const v = `${r.plugin.manifest.version}`;
    lines.push(
      `    ${`${r.label} (${v})`.padEnd(24)} p50 ${pct(r.times, 50).toFixed(3).padStart(7)} ms  p99 ${pct(r.times, 99).toFixed(3).padStart(7)} ms`,
    );
    await r.host.close();
  }
}
console.log(
  `  load average: ${before.toFixed(2)} at the start, ${loadavg()[0].toFixed(2)} at the end (2 cores)`,
);
console.log(lines.join('\n'));
