/**
 * The check-then-open race on the filesystem: a child process swaps a granted folder for a symbolic link to a
 * folder outside the workspace, and back, as fast as it can, while a plugin in the real runner reads, writes
 * and lists through that folder thousands of times. The host opens every component beneath a held folder
 * without following links, so no operation may ever reach the outside folder, whatever the timing.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness } from './helpers.js';
import type { Harness } from './helpers.js';

const OUTSIDE = 'OUTSIDE-SECRET';
const INSIDE = 'inside';
const ROUNDS = 500;

let h: Harness;
let flipper: ChildProcess | undefined;
let race = '';

/**
 * Swaps `d` between a real folder and a link to the outside folder, forever, with renames. A racing write may
 * create a fresh `d` while it is missing; that one is moved aside so the swap goes on.
 */
const FLIPPER = `
const { renameSync } = require('node:fs');
const [dir] = process.argv.slice(1);
const swap = (a, b) => { try { renameSync(dir + '/' + a, dir + '/' + b); return true; } catch { return false; } };
for (let n = 0; ; n++) {
  swap('d', 'd.dir'); swap('d.link', 'd'); swap('d', 'd.link');
  if (!swap('d.dir', 'd')) { swap('d', 'junk-' + n); swap('d.dir', 'd'); }
}
`;

beforeAll(async () => {
  h = await createHarness();
  race = join(h.workspace, 'race');
  mkdirSync(join(race, 'd'), { recursive: true });
  writeFileSync(join(race, 'd', 'f.txt'), INSIDE);
  writeFileSync(join(h.outside, 'f.txt'), OUTSIDE);
  symlinkSync(h.outside, join(race, 'd.link'));
  flipper = spawn(process.execPath, ['-e', FLIPPER, race], { stdio: 'ignore' });
});
afterAll(async () => {
  if (flipper?.pid !== undefined) process.kill(flipper.pid, 'SIGKILL');
  await h.close();
});

/** Plugin body: `input.rounds` times the operation `input.op` on race/d; counts what came back. */
const RACER = `const counts = { inside: 0, escaped: 0, denied: 0, missing: 0, other: 0, ok: 0 };
for (let i = 0; i < input.rounds; i++) {
  const args = input.op === 'fs.read' ? { root: 'workspace', path: 'race/d/f.txt', encoding: 'utf8' }
    : input.op === 'fs.write' ? { root: 'workspace', path: 'race/d/w' + (i % 8) + '.txt', data: 'x', encoding: 'utf8' }
    : { root: 'workspace', path: 'race/d' };
  const r = JSON.parse(await globalThis.__roku_host.cap(JSON.stringify({ op: input.op, args })));
  if (r.ok) {
    const text = JSON.stringify(r.value);
    if (text.includes('${OUTSIDE}') || text.includes('secret.txt')) counts.escaped++;
    else if (text.includes('${INSIDE}')) counts.inside++;
    else counts.ok++;
  } else if (r.error.code === 'ROKU_CAPABILITY_DENIED') counts.denied++;
  else if (/does not exist/.test(r.error.message)) counts.missing++;
  else counts.other++;
}
return counts;`;

type Counts = Record<'inside' | 'escaped' | 'denied' | 'missing' | 'other' | 'ok', number>;

async function runRace(
  name: string,
  op: string,
  access: 'read' | 'read-write',
  calls: number,
): Promise<Counts> {
  const sandbox = await h.load(name, {
    body: RACER,
    permissions: { filesystem: [{ root: 'workspace', path: 'race', access }] },
    limits: { cpuMsPerCall: 5000, wallMsPerCall: 60_000 },
  });
  const total: Counts = { inside: 0, escaped: 0, denied: 0, missing: 0, other: 0, ok: 0 };
  for (let call = 0; call < calls; call += 1) {
    const counts = (await sandbox.call('tool:t', { op, rounds: ROUNDS })) as Counts;
    for (const key of Object.keys(total) as (keyof Counts)[]) total[key] += counts[key];
  }
  return total;
}

describe('a plugin racing a folder swapped for a symbolic link', () => {
  it('never reads a file outside the grant in thousands of racing reads', async () => {
    const counts = await runRace('race-read', 'fs.read', 'read', 4);
    expect(counts.escaped).toBe(0);
    // The swap really raced the reads: some saw the folder, some met the link and were refused.
    expect(counts.inside).toBeGreaterThan(0);
    expect(counts.denied).toBeGreaterThan(0);
    expect(counts.inside + counts.denied + counts.missing + counts.other).toBe(4 * ROUNDS);
  }, 120_000);

  it('never writes a file outside the grant in a thousand racing writes', async () => {
    const counts = await runRace('race-write', 'fs.write', 'read-write', 2);
    expect(readdirSync(h.outside).sort()).toEqual(['f.txt', 'secret.txt']);
    expect(existsSync(join(h.outside, 'w0.txt'))).toBe(false);
    expect(counts.ok).toBeGreaterThan(0);
    expect(counts.denied + counts.other).toBeGreaterThan(0);
  }, 120_000);

  it('never lists the outside folder in a thousand racing listings', async () => {
    const counts = await runRace('race-list', 'fs.list', 'read', 2);
    expect(counts.escaped).toBe(0);
    expect(counts.ok + counts.inside).toBeGreaterThan(0);
    // the link is refused (denied) or, when the swap lands between open and check, reported as not a folder
    expect(counts.denied + counts.other).toBeGreaterThan(0);
  }, 120_000);
});
