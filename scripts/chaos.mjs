#!/usr/bin/env node
// `pnpm chaos <name> [options]` runs scripts/chaos-<name>.mjs: crash and race trials through the real CLI that
// print counts (lost, duplicated, …). Not a test: run them by hand, e.g. before a release.
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

const dir = import.meta.dirname;
const names = readdirSync(dir)
  .filter((f) => /^chaos-.+\.mjs$/.test(f))
  .map((f) => f.slice('chaos-'.length, -'.mjs'.length));
const [name, ...args] = process.argv.slice(2);
if (name === undefined || !existsSync(join(dir, `chaos-${name}.mjs`))) {
  console.error(`usage: pnpm chaos <${names.join('|')}> [options]`);
  process.exit(name === undefined ? 0 : 2);
}
const result = spawnSync(process.execPath, [join(dir, `chaos-${name}.mjs`), ...args], { stdio: 'inherit' });
process.exit(result.status ?? 1);
