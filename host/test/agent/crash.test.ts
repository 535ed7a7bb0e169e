import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { REPO, cleanupAll, configFor, makeEnv } from './helpers.js';

afterEach(cleanupAll);

// The child drives a run in interactive mode and is killed (SIGKILL) while the approval question is open.
const CHILD = `
import { pino } from 'pino';
import { createHostConfigValidator } from '@roku/schemas';
import { createAgentRuntime } from '@roku/host';
const [home, workspace, configFile] = process.argv.slice(2);
const config = createHostConfigValidator().validate(JSON.parse(await import('node:fs').then((fs) => fs.readFileSync(configFile, 'utf8'))));
const runtime = await createAgentRuntime({ config: config.value, home, workspace, logger: pino({ level: 'silent' }), env: {} });
await runtime.run(
  { sessionId: 'crash', goal: 'write_file {"path":"once.txt","content":"x\\\\n","append":true}', approvalMode: 'interactive' },
  { approve: (prompt) => { process.stdout.write('ASKED ' + prompt.approvalId + '\\n'); return new Promise(() => {}); } },
);
`;

it('keeps a pending ticket through a kill -9; approving it after a restart runs the call exactly once', async () => {
  const env = makeEnv(configFor({}));
  const script = join(REPO, 'host', `.crash-child-${process.pid}.mjs`);
  writeFileSync(script, CHILD);
  try {
    const child = spawn(process.execPath, [script, env.home, env.workspace, env.configFile], {
      cwd: join(REPO, 'host'),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const approvalId = await new Promise<string>((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        const m = /ASKED (\S+)/.exec(out);
        if (m?.[1] !== undefined) resolve(m[1]);
      });
      child.on('exit', (code) => {
        reject(new Error(`child exited ${String(code)}: ${stderr}`));
      });
    });
    // While the child is asking, nobody else may decide its ticket.
    const runtime = await env.open();
    await expect(runtime.decideApproval(approvalId, { approved: true, by: 'test' })).rejects.toMatchObject({
      code: 'ROKU_SESSION_BUSY',
    });
    expect(runtime.approvals().map((t) => t.status)).toEqual(['pending']);

    const exited = new Promise((r) => child.on('exit', r));
    child.kill('SIGKILL');
    await exited;

    const pending = runtime.approvals();
    expect(pending.map((t) => t.id)).toEqual([approvalId]);
    expect(existsSync(join(env.workspace, 'once.txt'))).toBe(false);
    const result = await runtime.decideApproval(approvalId, { approved: true, by: 'test' });
    expect(result.status).toBe('succeeded');
    expect(readFileSync(join(env.workspace, 'once.txt'), 'utf8')).toBe('x\n');
    expect(runtime.session('crash').runs[0]?.status).toBe('succeeded');
  } finally {
    const { rmSync } = await import('node:fs');
    rmSync(script, { force: true });
  }
});
