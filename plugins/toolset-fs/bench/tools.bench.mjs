#!/usr/bin/env node
// pnpm bench tools: the grep tool of toolset-fs over a 100K-file tree, and edit_file latency, each against the
// same work done directly on the machine in the same run (interleaved blocks): `grep -rn` (and `rg -n` when
// ripgrep is installed) for the search; an in-process read/replace/write and `sed -i` for the edit. The tool
// runs in the real sandbox and reaches every file through the host's fs capability (one listing per folder,
// one read per file). Prints the figures and the goal; asserts nothing.
// ROKU_BENCH_FILES (default 100000), ROKU_BENCH_BLOCKS (default 3), ROKU_BENCH_EDITS (default 40).
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createTestHost } from '@roku/plugin-testing';

const FILES = Number(process.env.ROKU_BENCH_FILES ?? 100_000);
const BLOCKS = Number(process.env.ROKU_BENCH_BLOCKS ?? 3);
const EDITS = Number(process.env.ROKU_BENCH_EDITS ?? 40);
const PER_FOLDER = 100;
const GOAL_GREP_RATIO = 10;
const GOAL_EDIT_P95_MS = 50;
const NEEDLE = 'ROKU_BENCH_NEEDLE';

const plugin = fileURLToPath(new URL('..', import.meta.url));
const workspace = mkdtempSync(join(tmpdir(), 'roku-bench-tools-'));

// A tree like a large repository's: folders of 100 source files of ~1 KB, one file in 2000 holding the needle.
const started = performance.now();
const line = 'export function compute(value: number): number { return value * 2 + 1; } // filler text\n';
const body = line.repeat(12);
for (let i = 0; i < FILES; i++) {
  const folder = join(
    workspace,
    `pkg${Math.floor(i / (PER_FOLDER * 10))}`,
    `dir${Math.floor(i / PER_FOLDER) % 10}`,
  );
  if (i % PER_FOLDER === 0) mkdirSync(folder, { recursive: true });
  writeFileSync(join(folder, `file${i}.ts`), i % 2000 === 7 ? `${body}// ${NEEDLE} ${i}\n` : body);
}
const expected = Math.ceil((FILES - 7) / 2000);
console.log(
  `tree: ${FILES} files in ${(performance.now() - started).toFixed(0)} ms (${expected} hold the needle)`,
);

const hasRg = spawnSync('rg', ['--version']).status === 0;
const host = await createTestHost({ workspace });
const fs = await host.load(plugin);

function timeSpawn(file, args) {
  const start = performance.now();
  const r = spawnSync(file, args, { cwd: workspace, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  const ms = performance.now() - start;
  const hits = r.stdout.split('\n').filter((l) => l.includes(NEEDLE)).length;
  return { ms, hits };
}

async function timeTool() {
  const start = performance.now();
  const out = await fs.callTool('grep', { pattern: NEEDLE, maxMatches: 1000 });
  return { ms: performance.now() - start, hits: out.matches.length, searched: out.searched };
}

const runs = { tool: [], grep: [], rg: [] };
for (let b = 0; b < BLOCKS; b++) {
  const tool = await timeTool();
  if (tool.hits !== expected) console.log(`  note: the tool found ${tool.hits} of ${expected}`);
  runs.tool.push(tool.ms);
  const grep = timeSpawn('grep', ['-rn', NEEDLE, '.']);
  if (grep.hits !== expected) console.log(`  note: grep -rn found ${grep.hits} of ${expected}`);
  runs.grep.push(grep.ms);
  if (hasRg) runs.rg.push(timeSpawn('rg', ['-n', NEEDLE, '.']).ms);
  console.log(
    `block ${b + 1}: grep tool ${tool.ms.toFixed(0)} ms (${tool.searched} files), grep -rn ${grep.ms.toFixed(0)} ms${hasRg ? `, rg ${runs.rg.at(-1).toFixed(0)} ms` : ''}`,
  );
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const pct = (xs, p) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))];
const toolMs = median(runs.tool);
const grepMs = median(runs.grep);
console.log(
  `grep over ${FILES} files: tool median ${toolMs.toFixed(0)} ms (${((FILES / toolMs) * 1000).toFixed(0)} files/s); baseline grep -rn ${grepMs.toFixed(0)} ms${hasRg ? `, rg ${median(runs.rg).toFixed(0)} ms` : ' (ripgrep not installed)'}; ratio ${(toolMs / grepMs).toFixed(1)}x (goal ≤ ${GOAL_GREP_RATIO}x)`,
);

// Edit latency: one replacement in a 12 KB file, alternating two strings so every edit changes the file.
const target = join(workspace, 'edit-target.ts');
writeFileSync(target, `${body.repeat(10)}const flag = 'A';\n`);
const edits = { tool: [], node: [], sed: [] };
for (let i = 0; i < EDITS; i++) {
  const [from, to] = i % 2 === 0 ? ["'A'", "'B'"] : ["'B'", "'A'"];
  let start = performance.now();
  await fs.callTool('edit_file', {
    path: 'edit-target.ts',
    oldString: `flag = ${from}`,
    newString: `flag = ${to}`,
  });
  edits.tool.push(performance.now() - start);
  // Node directly, then back with sed, so each baseline edits the file the tool left.
  start = performance.now();
  writeFileSync(target, readFileSync(target, 'utf8').replace(`flag = ${to}`, `flag = ${from}`));
  edits.node.push(performance.now() - start);
  start = performance.now();
  spawnSync('sed', ['-i', `s/flag = ${from}/flag = ${to}/`, target]);
  edits.sed.push(performance.now() - start);
}
const fmt = (xs) => `p50 ${median(xs).toFixed(1)} ms, p95 ${pct(xs, 0.95).toFixed(1)} ms`;
console.log(
  `edit_file (12 KB file, ${EDITS} edits): tool ${fmt(edits.tool)} (goal p95 ≤ ${GOAL_EDIT_P95_MS} ms); baseline in-process ${fmt(edits.node)}, sed -i ${fmt(edits.sed)}`,
);

await host.close();
rmSync(workspace, { recursive: true, force: true });
