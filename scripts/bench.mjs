#!/usr/bin/env node
// `pnpm bench <name>` runs bench/<name>.bench.mjs of whichever package has it; `pnpm bench` lists them.
// Benchmarks print figures; nothing here asserts timings.
import { existsSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { spawnSync } from 'node:child_process';

const root = resolve(import.meta.dirname, '..');
const args = process.argv.slice(2);
const only = args[0] === '--package' ? resolve(args[1] ?? '.') : undefined;
const name = only === undefined ? args[0] : args[2];

const packageDirs = [
  'schemas',
  'plugin-api',
  'plugin-testing',
  'host',
  'registry',
  'server',
  'cli',
  'plugins',
  'examples',
]
  .flatMap((d) =>
    ['plugins', 'examples'].includes(d) ? readdirSync(join(root, d)).map((p) => join(d, p)) : [d],
  )
  .map((d) => join(root, d))
  .filter((d) => only === undefined || d === only);

const benches = packageDirs.flatMap((dir) => {
  const benchDir = join(dir, 'bench');
  if (!existsSync(benchDir)) return [];
  return readdirSync(benchDir)
    .filter((f) => f.endsWith('.bench.mjs'))
    .map((f) => ({ name: f.replace(/\.bench\.mjs$/, ''), file: join(benchDir, f) }));
});

if (name === undefined) {
  console.log(
    benches.length === 0 ? 'no benchmarks here yet' : `benchmarks: ${benches.map((b) => b.name).join(', ')}`,
  );
  process.exit(0);
}
const bench = benches.find((b) => b.name === name);
if (bench === undefined) {
  console.error(
    `no benchmark named '${name}'; available: ${benches.map((b) => b.name).join(', ') || 'none'}`,
  );
  process.exit(2);
}
const result = spawnSync(process.execPath, [bench.file, ...args.slice(only === undefined ? 1 : 3)], {
  stdio: 'inherit',
});
process.exit(result.status ?? 1);
