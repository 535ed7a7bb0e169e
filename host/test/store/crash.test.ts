import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '@roku/test-support';
import { createStore } from '../../src/store/index.js';
import { onCleanup, tempHome } from './helpers.js';
import type { TempHome } from './helpers.js';

const HOST = fileURLToPath(new URL('../..', import.meta.url));
const SQLITE = createRequire(join(HOST, 'package.json')).resolve('better-sqlite3');

// The child opens the store from source bundled by esbuild (better-sqlite3 stays external), so the test does
// not depend on a built dist. It performs one step, prints "done" and waits to be killed.
const CHILD = `
import { createStore } from ${JSON.stringify(join(HOST, 'src/store/index.ts'))};
const [file, traceDir, step] = process.argv.slice(2);
const store = createStore({ file, traceDir });
const digest = 'a'.repeat(64);
if (step === 'create') {
  store.ensureSession('chat-default');
  store.startRun({ id: 'run-1', sessionId: 'chat-default', goal: 'g', ownerPid: process.pid, state: { step: 1 } });
  store.createApproval(
    { id: 'appr-1', runId: 'run-1', sessionId: 'chat-default', toolCallId: 'c1', toolName: 'shell',
      arguments: { command: 'deploy' }, digest, risk: ['exec'] },
    { step: 2, pending: 'c1' },
  );
} else if (step === 'claim') {
  if (!store.claimApprovalExecution('appr-1', digest)) throw new Error('claim refused');
}
process.stdout.write('done\\n');
setInterval(() => {}, 1000);
`;

let childScript = '';

beforeAll(async () => {
  const dir = tempDir('store-child');
  childScript = join(dir, 'child.mjs');
  await build({
    stdin: { contents: CHILD, resolveDir: HOST, sourcefile: 'child.ts', loader: 'ts' },
    outfile: childScript,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node24',
    conditions: ['@roku/source'],
    logLevel: 'error',
    plugins: [
      {
        name: 'external-sqlite',
        setup(b) {
          b.onResolve({ filter: /^better-sqlite3$/ }, () => ({ path: SQLITE, external: true }));
        },
      },
    ],
  });
}, 60_000);

/** Runs the child until it reports `done`, then kills it with SIGKILL. */
async function runAndKill(home: TempHome, step: 'create' | 'claim'): Promise<void> {
  const child: ChildProcess = spawn(process.execPath, [childScript, home.file, home.traceDir, step], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  onCleanup(() => child.kill('SIGKILL'));
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  await new Promise<void>((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('done')) resolve();
    });
    child.on('exit', (code) => {
      reject(new Error(`child exited with ${String(code)} before it was killed: ${stderr}`));
    });
  });
  const exited = new Promise<NodeJS.Signals | null>((resolve) =>
    child.on('exit', (_code, signal) => {
      resolve(signal);
    }),
  );
  child.kill('SIGKILL');
  expect(await exited).toBe('SIGKILL');
}

describe('store durability', () => {
  it('keeps a ticket written just before its process is killed, and executes it only once', async () => {
    const home = tempHome();
    await runAndKill(home, 'create');

    const store = createStore({ file: home.file, traceDir: home.traceDir });
    onCleanup(() => {
      store.close();
    });
    expect(store.getApproval('appr-1')).toMatchObject({
      status: 'pending',
      arguments: { command: 'deploy' },
    });
    expect(store.getRun('run-1')).toMatchObject({
      status: 'awaiting_approval',
      state: { step: 2, pending: 'c1' },
    });
    expect(store.recoverStaleRuns()).toBe(0);
    store.decideApproval('appr-1', { approved: true, by: 'test' });

    // another process claims the call and dies during the tool call: it must never run a second time
    await runAndKill(home, 'claim');
    expect(store.getApproval('appr-1')?.status).toBe('executing');
    expect(store.claimApprovalExecution('appr-1', 'a'.repeat(64))).toBe(false);
  });
});
