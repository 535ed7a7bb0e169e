#!/usr/bin/env node
// Chaos run for the install lock (issue 11): each round a process takes the lock and is killed with SIGKILL
// while holding it, then 6+ processes contend for it at once, some of them killed at random while they run.
// Prints the double-holder count (goal: 0) over all rounds. Uses the built host (pnpm -s --filter @roku/host
// build first). Usage: node scripts/chaos-install.mjs [--rounds 200] [--contenders 6] [--lock-module path]
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const args = process.argv.slice(2);
const opt = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1] : fallback;
};
const rounds = Number(opt('rounds', '200'));
const contenders = Math.max(6, Number(opt('contenders', '6')));
const lockModule = opt('lock-module', join(ROOT, 'host/dist/install/install-lock.js'));
const CHILD = join(ROOT, 'host/test/install/fixtures/lock-contender.mjs');

function run(childArgs, onLine) {
  const child = spawn(process.execPath, [CHILD, lockModule, ...childArgs], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.on('data', (d) => {
    out += String(d);
    onLine?.(out, child);
  });
  const done = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ out, code, signal })));
  return { child, done };
}

const dir = mkdtempSync(join(tmpdir(), 'roku-chaos-install-'));
let doubles = 0;
let killed = 0;
let failures = 0;
const started = Date.now();
try {
  for (let round = 0; round < rounds; round++) {
    const lock = join(dir, `round-${round}.lock`);
    const marker = join(dir, `round-${round}.holder`);
    // A holder that dies with the lock held.
    const holder = run([lock, marker, 'hold'], (out, child) => {
      if (out.includes('held')) child.kill('SIGKILL');
    });
    await holder.done;
    const runs = [];
    for (let i = 0; i < contenders; i++) runs.push(run([lock, marker, 'loop', '4', '1']));
    // One contender, chosen at random, is killed at a random moment: possibly while holding the lock.
    const victim = runs[Math.floor(Math.random() * runs.length)];
    setTimeout(
      () => {
        if (victim.child.exitCode === null) {
          victim.child.kill('SIGKILL');
          killed++;
        }
      },
      Math.floor(Math.random() * 150),
    );
    for (const r of runs) {
      const { out, code, signal } = await r.done;
      const last = out.trim().split('\n').pop() ?? '';
      if (signal === 'SIGKILL') continue;
      if (code !== 0) {
        failures++;
        continue;
      }
      doubles += JSON.parse(last).doubles;
    }
    if ((round + 1) % 25 === 0) {
      process.stdout.write(`round ${round + 1}/${rounds}: double holders so far ${doubles}\n`);
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
const seconds = ((Date.now() - started) / 1000).toFixed(1);
process.stdout.write(
  `chaos-install: ${rounds} rounds x ${contenders} contenders over a lock left by a killed holder, ` +
    `${killed} contenders killed at random: double holders ${doubles} (goal 0), failed contenders ${failures}, ${seconds} s\n`,
);
process.exitCode = doubles === 0 && failures === 0 ? 0 : 1;
