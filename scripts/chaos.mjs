#!/usr/bin/env node
// `pnpm chaos <name>` runs scripts/chaos-<name>.mjs: long randomized runs against real processes that print
// counts (hung calls, typed failures, …). Not part of the test suite; `pnpm chaos` lists them.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

const dir = import.meta.dirname;
const names = readdirSync(dir)
  .filter((f) => /^chaos-.+\.mjs$/.test(f))
  .map((f) => f.slice('chaos-'.length, -'.mjs'.length));
const [name, ...rest] = process.argv.slice(2);
if (name === undefined || !names.includes(name)) {
  console.log(`chaos runs: ${names.join(', ')}   (pnpm chaos <name> [options])`);
  process.exit(name === undefined ? 0 : 2);
}
const result = spawnSync(process.execPath, [join(dir, `chaos-${name}.mjs`), ...rest], { stdio: 'inherit' });
process.exit(result.status ?? 1);
