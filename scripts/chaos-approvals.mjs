#!/usr/bin/env node
// `pnpm chaos approvals [--trials N] [--keep]`: kills `roku approval approve` (SIGKILL) at a random moment of
// an approved append, then finishes the call from fresh processes the way a user would, and counts what the
// user ends up with: the append done once (ok), never (lost) or more than once (duplicated). Needs a build.
//
// The simulated user follows what Roku tells them: a pending ticket is approved; a ticket asked again with
// "may have run" is checked against the file (as the note says) and approved only when the append is not
// there; an approved ticket whose run stopped is approved again to resume it.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';

const repo = resolve(import.meta.dirname, '..');
// the host's own SQLite driver, to watch the ticket while the approver runs
const Database = createRequire(join(repo, 'host/package.json'))('better-sqlite3');
const args = process.argv.slice(2);
// --bin <path>: another build's cli/dist/bin.js (e.g. to measure a baseline)
const bin = args.includes('--bin') ? resolve(args[args.indexOf('--bin') + 1]) : join(repo, 'cli/dist/bin.js');
const trials = Number(args[args.indexOf('--trials') + 1] ?? '') || 40;
const keep = args.includes('--keep');
if (!existsSync(bin)) {
  console.error('build first: pnpm build');
  process.exit(2);
}

const base = mkdtempSync(join(tmpdir(), 'roku-chaos-approvals-'));
const home = join(base, 'home');
const workspace = join(base, 'ws');
spawnSync('mkdir', ['-p', home, workspace]);
writeFileSync(
  join(home, 'config.json'),
  JSON.stringify({
    agent: { initialBackoffMs: 1, maxBackoffMs: 5 },
    plugins: { devDirs: [join(repo, 'plugins/provider-scripted'), join(repo, 'plugins/toolset-fs')] },
  }),
);
const env = { PATH: process.env.PATH ?? '', ROKU_HOME: home };

function roku(argv) {
  const r = spawnSync(process.execPath, [bin, ...argv], {
    cwd: workspace,
    env,
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/**
 * Starts `roku approval approve <id>` and kills it `delayMs` after it started or, with `afterDecision`, after
 * the decision is in the database (watched read-only, every millisecond): that is where an approved call is
 * lost or repeated if anything is.
 */
function killedApprove(id, delayMs, afterDecision = false) {
  return new Promise((done) => {
    const started = performance.now();
    let decidedAt;
    const child = spawn(process.execPath, [bin, 'approval', 'approve', id], {
      cwd: workspace,
      env,
      stdio: 'ignore',
    });
    const kill = () => child.kill('SIGKILL');
    let timer = afterDecision ? undefined : setTimeout(kill, delayMs);
    const watch = setInterval(() => {
      if (decidedAt !== undefined) return;
      const row = statusOf(id);
      if (row !== undefined && row !== 'pending') {
        decidedAt = performance.now() - started;
        if (afterDecision) timer = setTimeout(kill, delayMs);
      }
    }, 1);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      clearInterval(watch);
      done({ killed: signal === 'SIGKILL', ms: performance.now() - started, decidedAt, code });
    });
  });
}

let db;
function statusOf(id) {
  try {
    db ??= new Database(join(home, 'state', 'roku.db'), { readonly: true, fileMustExist: true });
    return db.prepare('SELECT status FROM approvals WHERE id = ?').get(id)?.status;
  } catch {
    return undefined;
  }
}

function ticket(id) {
  const r = roku(['approval', 'show', id, '--json']);
  if (r.code !== 0) throw new Error(`approval show ${id} failed: ${r.stderr}`);
  return JSON.parse(r.stdout).approval;
}

const counts = {
  ok: 0,
  lost: 0,
  duplicated: 0,
  killed: 0,
  askedMayHaveRun: 0,
  mayHaveRunHadRun: 0,
  refused: 0,
  stuck: 0,
};

function pause(i) {
  const file = `t${i}.txt`;
  const r = roku([
    'run',
    '--session-id',
    `t${i}`,
    'write_file',
    JSON.stringify({ path: file, content: 'x\n', append: true }),
  ]);
  const id = /ticket (\S+)/.exec(r.stderr)?.[1];
  if (r.code !== 3 || id === undefined)
    throw new Error(`trial ${i}: the run did not pause (${r.code}):\n${r.stderr}`);
  return { id, file: join(workspace, file) };
}

// Calibrate: how long an approve takes when nobody kills it, and how long after its decision it ends.
const probe = pause('probe');
const calibration = await killedApprove(probe.id, 600_000);
const spanMs = Math.max(200, calibration.ms);
const tailMs = Math.max(20, calibration.ms - (calibration.decidedAt ?? 0));
console.log(
  `approve takes ~${Math.round(spanMs)} ms uninterrupted, ~${Math.round(tailMs)} ms of it after the decision; ${trials} trials: ` +
    'a third killed anywhere, two thirds at a random moment after the decision',
);

for (let i = 0; i < trials; i += 1) {
  const { id, file } = pause(i);
  const anywhere = i % 3 === 0;
  const attempt = await killedApprove(id, Math.random() * (anywhere ? spanMs : tailMs), !anywhere);
  if (attempt.killed) counts.killed += 1;
  for (let round = 0; round < 4; round += 1) {
    const t = ticket(id);
    if (t.status === 'executed' || t.status === 'rejected' || t.status === 'cancelled') break;
    let approve = true;
    if (t.status === 'pending' && typeof t.note === 'string' && t.note.startsWith('may have run')) {
      counts.askedMayHaveRun += 1;
      const done = existsSync(file);
      if (done) counts.mayHaveRunHadRun += 1;
      approve = !done;
    } else if (t.status === 'executing') {
      counts.stuck += 1;
      break;
    }
    const r = roku(['approval', approve ? 'approve' : 'reject', id]);
    if (r.code !== 0) counts.refused += 1;
  }
  const writes = existsSync(file) ? readFileSync(file, 'utf8').split('x').length - 1 : 0;
  if (writes === 0) counts.lost += 1;
  else if (writes === 1) counts.ok += 1;
  else counts.duplicated += 1;
  process.stdout.write(
    `\rtrial ${i + 1}/${trials}: ok ${counts.ok} lost ${counts.lost} duplicated ${counts.duplicated}`,
  );
}
process.stdout.write('\n');
console.log(
  [
    `trials ${trials}, approver killed in ${counts.killed}`,
    `ok ${counts.ok}, lost ${counts.lost}, duplicated ${counts.duplicated}`,
    `asked again with "may have run": ${counts.askedMayHaveRun} (the append had happened in ${counts.mayHaveRunHadRun})`,
    `commands refused: ${counts.refused}, tickets stuck executing: ${counts.stuck}`,
  ].join('\n'),
);
db?.close();
if (keep) console.log(`kept ${base}`);
else rmSync(base, { recursive: true, force: true });
process.exit(counts.lost + counts.duplicated + counts.stuck === 0 ? 0 : 1);
