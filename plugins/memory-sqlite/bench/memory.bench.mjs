#!/usr/bin/env node
// pnpm bench memory: long-term memory recall latency at 10K, 100K and 1M records (goal: p95 ≤ 10 ms at 1M) and
// write throughput, through the real path (the plugin in its sandbox, ctx.sql, the host's SQL process), with a
// baseline in the same run: the same FTS5 query and inserts on node:sqlite directly in this process, on the same
// database file. Blocks of plugin and baseline queries are interleaved. Prints figures only; asserts nothing.
// ROKU_BENCH_SIZES=10000,100000 limits the sizes; ROKU_BENCH_QUERIES sets queries per size (default 300).
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { fileURLToPath } from 'node:url';
import { createTestHost } from '@roku/plugin-testing';

const dir = fileURLToPath(new URL('..', import.meta.url));
const SIZES = (process.env.ROKU_BENCH_SIZES ?? '10000,100000,1000000').split(',').map(Number);
const QUERIES = Number(process.env.ROKU_BENCH_QUERIES ?? 300);
const BLOCK = 20;
const WORKSPACE = 'bench-workspace';
const GOAL_P95_MS = 10;

// A vocabulary with a Zipf-like spread: a few common words, many rare ones, like notes people keep.
const VOCAB = Array.from({ length: 20000 }, (_, i) => `w${i.toString(36)}`);
let seed = 42;
const random = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
const word = () => VOCAB[Math.floor(VOCAB.length * random() ** 3)];
const sentence = (n) => Array.from({ length: n }, word).join(' ');

const host = await createTestHost({ logLevel: 'error' });
const plugin = await host.load(dir);
const write = (records) =>
  plugin.call('memory:write', { sessionId: 'bench', workspaceId: WORKSPACE, records });
const recall = (query) =>
  plugin.call('memory:recall', { sessionId: 'bench', workspaceId: WORKSPACE, query, limit: 8 });
await write([{ text: 'schema', scope: 'workspace' }]);
const [folder] = readdirSync(join(host.home, 'plugin-sql'));
const db = new DatabaseSync(join(host.home, 'plugin-sql', folder, 'main.db'));
db.exec('PRAGMA busy_timeout = 10000; PRAGMA journal_mode = WAL');

const insert = db.prepare(`INSERT INTO long_term_memories (id, kind, scope, content, tags, importance,
  source_session_id, source_workspace_id, created_at_unix_ms, updated_at_unix_ms)
  VALUES (?, 'fact', 'workspace', ?, '[]', 0.5, 'bench', ?, ?, ?)`);
let count = 1;
function preload(target) {
  const now = Date.now();
  while (count < target) {
    db.exec('BEGIN');
    const end = Math.min(target, count + 5000);
    for (; count < end; count++)
      insert.run(`pre-${count}`, sentence(8 + (count % 8)), WORKSPACE, now - count, now - count);
    db.exec('COMMIT');
  }
}

// The plugin's recall statement (recall-sql.ts), run directly: count each word's matches up to 501, rank by
// BM25 over the words in at most 500 records, or take the newest matches when every word is more common; the
// plugin adds re-ranking by recency and importance in JS.
const visible = `(m.scope = 'user' OR (m.scope = 'workspace' AND m.source_workspace_id = ?)
    OR (m.scope = 'session' AND m.source_session_id = ?))`;
const columns = `m.id, m.content, m.tags, m.scope, m.importance, m.created_at_unix_ms, m.updated_at_unix_ms`;
const branch = (which, order, ranked, guard) =>
  `SELECT * FROM (SELECT ${columns}, r.rank, ${ranked} AS ranked FROM (SELECT rowid, ${ranked === 1 ? 'rank' : '0 AS rank'}
     FROM long_term_memories_fts WHERE long_term_memories_fts MATCH (SELECT coalesce(${which}, 'roku0matches0nothing') FROM e)
     ORDER BY ${order} LIMIT 32) r JOIN long_term_memories m ON m.seq = r.rowid WHERE ${guard} AND ${visible})`;
const statements = new Map();
function statementFor(n) {
  if (!statements.has(n)) {
    const values = Array.from({ length: n }, () => '(?)').join(', ');
    statements.set(
      n,
      db.prepare(`WITH t(q) AS (VALUES ${values}),
      c AS MATERIALIZED (SELECT q, (SELECT count(*) FROM (SELECT 1 FROM long_term_memories_fts
        WHERE long_term_memories_fts MATCH t.q LIMIT 501)) AS n FROM t),
      e AS MATERIALIZED (SELECT (SELECT group_concat(q, ' OR ') FROM c WHERE n BETWEEN 1 AND 500) AS rare,
        (SELECT group_concat(q, ' OR ') FROM c WHERE n > 0) AS present)
      ${branch('rare', 'rank', 1, '(SELECT rare FROM e) IS NOT NULL')}
      UNION ALL
      ${branch('present', 'rowid DESC', 0, '(SELECT rare FROM e) IS NULL')}`),
    );
  }
  return statements.get(n);
}
function direct(q) {
  const words = [...new Set(q.split(' '))].map((w) => `"${w}"`);
  return statementFor(words.length).all(...words, WORKSPACE, 'bench', WORKSPACE, 'bench');
}

const pct = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
const ms = (v) => v.toFixed(2);

console.log(`goal: recall p95 ≤ ${GOAL_P95_MS} ms at 1M records (limit 8, 2-3 word queries)`);
for (const size of SIZES) {
  const started = performance.now();
  preload(size);
  const loadS = (performance.now() - started) / 1000;
  const queries = Array.from({ length: QUERIES }, () => sentence(2 + Math.floor(random() * 2)));
  const viaPlugin = [];
  const baseline = [];
  for (let i = 0; i < 10; i++) await recall(queries[i]); // warm the sandbox and the SQL process
  for (let b = 0; b < queries.length; b += BLOCK) {
    for (const q of queries.slice(b, b + BLOCK)) {
      const t = performance.now();
      await recall(q);
      viaPlugin.push(performance.now() - t);
    }
    for (const q of queries.slice(b, b + BLOCK)) {
      const t = performance.now();
      direct(q);
      baseline.push(performance.now() - t);
    }
  }
  viaPlugin.sort((a, b) => a - b);
  baseline.sort((a, b) => a - b);
  console.log(
    `recall @ ${size.toLocaleString('en')} records (loaded in ${loadS.toFixed(1)} s): plugin p50 ${ms(pct(viaPlugin, 50))} ms, p95 ${ms(pct(viaPlugin, 95))} ms` +
      ` | baseline node:sqlite direct p50 ${ms(pct(baseline, 50))} ms, p95 ${ms(pct(baseline, 95))} ms` +
      (size >= 1_000_000
        ? ` | goal p95 ≤ ${GOAL_P95_MS} ms: ${pct(viaPlugin, 95) <= GOAL_P95_MS ? 'met' : 'NOT met'}`
        : ''),
  );
}

// Write throughput: batches of 256 records, plugin and direct interleaved.
const BATCHES = Number(process.env.ROKU_BENCH_WRITE_BATCHES ?? 20);
let pluginMs = 0;
let directMs = 0;
for (let b = 0; b < BATCHES; b++) {
  const records = Array.from({ length: 256 }, () => ({ text: sentence(12), scope: 'workspace' }));
  let t = performance.now();
  await write(records);
  pluginMs += performance.now() - t;
  t = performance.now();
  db.exec('BEGIN');
  const now = Date.now();
  for (const [i, r] of records.entries()) insert.run(`direct-${b}-${i}`, r.text, WORKSPACE, now, now);
  db.exec('COMMIT');
  directMs += performance.now() - t;
}
const total = BATCHES * 256;
console.log(
  `write: plugin ${Math.round((total / pluginMs) * 1000).toLocaleString('en')} records/s (batches of 256)` +
    ` | baseline node:sqlite direct ${Math.round((total / directMs) * 1000).toLocaleString('en')} records/s`,
);
db.close();
await host.close();
