/**
 * The real `roku` binary against the real agent runtime and first-party plugins installed from the embedded
 * registry (spec §13 checks 1–3, 15, 16, 22–24, 26). They need the workspace build (`pnpm build`), which also
 * seeds the embedded registry.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOOP_EVENT_TYPES } from '@roku/host';
import { main } from '../../src/main.js';
import type { AgentIo } from '../../src/commands/agent/index.js';
import type { CliResult, Home } from './helpers.js';
import type { RunReport as Report } from '../../src/commands/agent/result.js';
import { freshHome, lines } from './helpers.js';

interface Envelope {
  type: string;
  data: { type?: string } & Record<string, unknown>;
}

const WRITE = (path: string) => `write_file {"path":"${path}","content":"written by roku"}`;
const E2E_TIMEOUT = 120_000;

/** stderr lines that are loop events (log records, also JSON, carry `level` instead of `type`). */
function stderrEvents(stderr: string): { type: string }[] {
  return lines(stderr)
    .map((l) => {
      try {
        return JSON.parse(l) as { type?: unknown };
      } catch {
        return {};
      }
    })
    .filter((e): e is { type: string } => typeof e.type === 'string');
}

/** `roku` through main() in this process with the real runtime, and stdin as a terminal: for approval prompts. */
async function interactively(h: Home, args: string[], typed: string): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const stdin = new PassThrough();
  stdin.end(typed);
  const io: AgentIo = {
    stdout: (t) => (stdout += t),
    stderr: (t) => (stderr += t),
    env: h.env,
    cwd: h.workspace,
    stdin,
    isTTY: true,
    stderrIsTTY: false,
  };
  const code = await main(args, io);
  return { code, stdout, stderr };
}

describe('the roku binary: agent command usage errors (no runtime needed)', () => {
  it('refuses the chat REPL without a terminal and suggests --pipe (exit 2)', async () => {
    const h = await freshHome(false);
    const r = h.roku(['chat'], 'hello');
    await h.remove();
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('roku chat --pipe');
    expect(r.stdout).toBe('');
  });

  it('treats empty piped input as a usage error (exit 2) with one JSON object on stdout', async () => {
    const h = await freshHome(false);
    const r = h.roku(['chat', '--pipe'], '   \n');
    await h.remove();
    expect(r.code).toBe(2);
    expect(lines(r.stdout)).toHaveLength(1);
    expect(JSON.parse(r.stdout)).toMatchObject({ ok: false, error: { code: 'ROKU_CLI_USAGE' } });
  });

  it('rejects --json without --pipe, a missing goal and unknown options (exit 2)', async () => {
    const h = await freshHome(false);
    expect(h.roku(['chat', '--json'], '').code).toBe(2);
    expect(h.roku(['run']).code).toBe(2);
    expect(h.roku(['approval', 'approve']).code).toBe(2);
    expect(h.roku(['session', 'delete']).code).toBe(2);
    expect(h.roku(['trace']).code).toBe(2);
    expect(h.roku(['chat', '--pipe', '--frobnicate'], 'hi').code).toBe(2);
    await h.remove();
  });
});

describe('roku chat --pipe, end to end', () => {
  let h: Home;
  beforeAll(async () => {
    h = await freshHome();
  }, E2E_TIMEOUT);
  afterAll(() => h.remove());

  it('check 1: prints exactly one JSON object with ok, message, status and model, and exits 0', () => {
    const r = h.roku(['chat', '--pipe', '--session-id', 'c1'], 'hello');
    expect(r.code, r.stderr).toBe(0);
    expect(lines(r.stdout)).toHaveLength(1);
    const report = JSON.parse(r.stdout) as Report;
    expect(report).toMatchObject({
      ok: true,
      status: 'succeeded',
      message: 'You said: hello',
      session_id: 'c1',
    });
    expect(report.model).toMatch(/scripted/);
    expect(report.request_id).toEqual(expect.any(String));
    expect(report.usage).toEqual(
      expect.objectContaining({ estimated_cost_usd: expect.any(Number) as unknown }),
    );
    const events = stderrEvents(r.stderr);
    expect(events.map((e) => e.type)).toContain('RunFinished');
    for (const e of events) expect(LOOP_EVENT_TYPES).toContain(e.type);
  });

  it('check 2: with --json every stdout line is an event or the result, and exactly one result comes last', () => {
    const r = h.roku(['chat', '--pipe', '--json', '--session-id', 'c2'], 'hello');
    expect(r.code, r.stderr).toBe(0);
    const out = lines(r.stdout).map((l) => JSON.parse(l) as Envelope);
    for (const line of out) expect(['event', 'result']).toContain(line.type);
    expect(out.filter((l) => l.type === 'result')).toHaveLength(1);
    expect(out.at(-1)).toMatchObject({ type: 'result' });
    for (const e of out.filter((l) => l.type === 'event')) expect(LOOP_EVENT_TYPES).toContain(e.data.type);
    expect(stderrEvents(r.stderr)).toEqual([]);
  });

  it('check 3: a session keeps both turns of every invocation; roku session show sees the history', () => {
    expect(h.roku(['chat', '--pipe', '--session-id', 'ci-42'], 'first message').code).toBe(0);
    expect(h.roku(['chat', '--pipe', '--session-id', 'ci-42'], 'second message').code).toBe(0);
    const show = h.roku(['session', 'show', 'ci-42', '--json']);
    expect(show.code, show.stderr).toBe(0);
    const detail = JSON.parse(show.stdout) as {
      messages: { message: { role: string; content: string } }[];
      runs: { status: string }[];
    };
    expect(detail.messages.map((m) => [m.message.role, m.message.content])).toEqual([
      ['user', 'first message'],
      ['assistant', 'You said: first message'],
      ['user', 'second message'],
      ['assistant', 'You said: second message'],
    ]);
    expect(detail.runs.map((r) => r.status)).toEqual(['succeeded', 'succeeded']);
    const text = h.roku(['session', 'show', 'ci-42']);
    expect(text.stdout).toContain('user: first message');
    expect(h.roku(['session', 'list']).stdout).toMatch(/ci-42\s+4\s+succeeded/);
  });

  it('names an unknown session id and exits 1 without a stack trace', () => {
    const r = h.roku(['session', 'show', 'no-such-session']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('no-such-session');
    expect(r.stderr).toContain('[ROKU_SESSION_NOT_FOUND]');
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('checks 15 and 16: a tool run reports the documented events, and its trace file is shown by roku trace', () => {
    const r = h.roku(['chat', '--pipe', '--json', '--session-id', 'c15'], 'echo hello there');
    expect(r.code, r.stderr).toBe(0);
    const out = lines(r.stdout).map((l) => JSON.parse(l) as Envelope);
    const types = out.filter((l) => l.type === 'event').map((l) => l.data.type);
    for (const t of ['ToolStart', 'ToolEnd', 'LlmDecisionComplete', 'StepComplete', 'TokenUsage'])
      expect(types).toContain(t);
    const usage = out.filter((l) => l.data.type === 'TokenUsage');
    expect(usage.at(-1)).toMatchObject({ data: { estimated_cost_usd: expect.any(Number) as unknown } });
    const result = (out.at(-1) as unknown as { data: Report }).data;
    expect(result.message).toContain('echo returned');
    expect(result.message).toContain('hello there');
    const runId = result.request_id!;
    const file = join(h.home, 'traces', `${runId}.jsonl`);
    expect(existsSync(file)).toBe(true);
    for (const l of lines(readFileSync(file, 'utf8')))
      expect(LOOP_EVENT_TYPES).toContain((JSON.parse(l) as { type: string }).type);

    const trace = h.roku(['trace', runId]);
    expect(trace.code, trace.stderr).toBe(0);
    expect(trace.stdout).toContain('ToolStart echo');
    expect(trace.stdout).toContain(`trace: ${file}`);
    const json = lines(h.roku(['trace', runId, '--json']).stdout).map((l) => JSON.parse(l) as Envelope);
    expect(json.at(-1)).toMatchObject({ type: 'trace', data: { runId, file } });
    expect(json.filter((l) => l.type === 'event').length).toBeGreaterThan(3);
    expect(h.roku(['trace', 'run-that-never-was']).code).toBe(1);
  });

  it('check 26: read tools run, write tools are refused with a hint to use interactive chat', () => {
    writeFileSync(join(h.workspace, 'notes.txt'), 'remember the milk');
    const read = JSON.parse(
      h.roku(['chat', '--pipe', '--session-id', 'c26'], 'read_file notes.txt').stdout,
    ) as Report;
    expect(read.message).toContain('remember the milk');
    const write = h.roku(['chat', '--pipe', '--session-id', 'c26'], WRITE('created.txt'));
    const report = JSON.parse(write.stdout) as Report;
    expect(existsSync(join(h.workspace, 'created.txt'))).toBe(false);
    expect(`${report.suggestion ?? ''} ${report.message}`).toMatch(/chat/);
  });

  it('check 24: --yes-always and ROKU_AUTO_APPROVE=true run write tools without asking', () => {
    const flag = h.roku(['chat', '--pipe', '--yes-always', '--session-id', 'c24a'], WRITE('flag.txt'));
    expect(flag.code, flag.stderr).toBe(0);
    expect(readFileSync(join(h.workspace, 'flag.txt'), 'utf8')).toBe('written by roku');
    const env = h.roku(['chat', '--pipe', '--session-id', 'c24b'], WRITE('env.txt'), {
      ROKU_AUTO_APPROVE: 'true',
    });
    expect(env.code, env.stderr).toBe(0);
    expect(existsSync(join(h.workspace, 'env.txt'))).toBe(true);
  });
});

describe('roku run and roku approval, end to end', () => {
  let h: Home;
  beforeAll(async () => {
    h = await freshHome();
  }, E2E_TIMEOUT);
  afterAll(() => h.remove());

  it('pauses on a write without a terminal (exit 3); roku approval approve runs it and completes the run', () => {
    const paused = h.roku(['run', '--session-id', 'r1', WRITE('approved.txt')]);
    expect(paused.code, paused.stderr).toBe(3);
    const id = /ticket (\S+)/.exec(paused.stderr)?.[1];
    expect(id).toBeDefined();
    expect(paused.stderr).toContain(`roku approval approve ${id}`);
    expect(paused.stderr).toContain(`roku approval reject ${id}`);
    expect(existsSync(join(h.workspace, 'approved.txt'))).toBe(false);

    const list = JSON.parse(h.roku(['approval', 'list', '--json']).stdout) as {
      approvals: { id: string; status: string; toolName: string; digest: string }[];
    };
    const ticket = list.approvals.find((a) => a.id === id);
    expect(ticket).toMatchObject({ status: 'pending', toolName: 'write_file' });
    expect(ticket?.digest).toMatch(/^[0-9a-f]{64}$/);
    expect(h.roku(['approval', 'list']).stdout).toContain(id!);
    // The session waits for the ticket.
    expect(h.roku(['run', '--session-id', 'r1', 'hello']).code).toBe(1);

    const approved = h.roku(['approval', 'approve', id!, '--digest', ticket!.digest.slice(0, 12)]);
    expect(approved.code, approved.stderr).toBe(0);
    expect(approved.stdout).toContain('write_file returned');
    expect(readFileSync(join(h.workspace, 'approved.txt'), 'utf8')).toBe('written by roku');
    const after = JSON.parse(h.roku(['approval', 'list', '--json']).stdout) as {
      approvals: { id: string }[];
    };
    expect(after.approvals.map((a) => a.id)).not.toContain(id);
    expect(h.roku(['approval', 'approve', id!]).code).toBe(1);
    const session = JSON.parse(h.roku(['session', 'show', 'r1', '--json']).stdout) as {
      runs: { status: string }[];
    };
    expect(session.runs.map((r) => r.status)).toEqual(['succeeded']);
  });

  it('roku approval reject tells the model and the file is never written', () => {
    const paused = h.roku(['run', '--session-id', 'r2', WRITE('rejected.txt')]);
    expect(paused.code).toBe(3);
    const id = /ticket (\S+)/.exec(paused.stderr)![1]!;
    const rejected = h.roku(['approval', 'reject', id, '--comment', 'no thanks', '--json']);
    expect(rejected.code, rejected.stderr).toBe(0);
    expect(JSON.parse(rejected.stdout)).toMatchObject({ ok: true, status: 'succeeded' });
    expect(existsSync(join(h.workspace, 'rejected.txt'))).toBe(false);
    const all = JSON.parse(h.roku(['approval', 'list', '--all', '--json']).stdout) as {
      approvals: { id: string; status: string; comment: string | null; decidedBy: string | null }[];
    };
    expect(all.approvals.find((a) => a.id === id)).toMatchObject({
      status: 'rejected',
      comment: 'no thanks',
      decidedBy: expect.stringMatching(/^cli:/) as unknown,
    });
  });

  it('prints the final message on stdout and the result object with --json', () => {
    const plain = h.roku(['run', '--session-id', 'r3', 'hello', 'world']);
    expect(plain.code, plain.stderr).toBe(0);
    expect(plain.stdout).toBe('You said: hello world\n');
    const json = h.roku(['run', '--json', '--session-id', 'r3', 'again']);
    expect(JSON.parse(json.stdout)).toMatchObject({ ok: true, message: 'You said: again', session_id: 'r3' });
  });

  it(
    'checks 22 and 23: on a terminal n refuses the write; a approves it and every later call',
    async () => {
      const refused = await interactively(h, ['chat', '--session-id', 'r22'], `${WRITE('no.txt')}\nn\n`);
      expect(refused.code, refused.stderr).toBe(0);
      expect(refused.stderr).toContain('[approval] Allow? [y/N/a(auto)]');
      expect(refused.stderr).toContain('write_file returned');
      expect(existsSync(join(h.workspace, 'no.txt'))).toBe(false);

      const auto = await interactively(
        h,
        ['chat', '--session-id', 'r23'],
        `${WRITE('a1.txt')}\na\n${WRITE('a2.txt')}\n`,
      );
      expect(auto.code, auto.stderr).toBe(0);
      expect(auto.stderr.match(/\[approval\] Allow\?/g)).toHaveLength(1);
      expect(existsSync(join(h.workspace, 'a1.txt'))).toBe(true);
      expect(existsSync(join(h.workspace, 'a2.txt'))).toBe(true);
    },
    E2E_TIMEOUT,
  );

  it(
    'ctrl-C (SIGINT) interrupts a pipe run: status interrupted, exit 1, the process ends',
    async () => {
      const slow = await freshHome();
      writeFileSync(
        join(slow.home, 'config.json'),
        JSON.stringify({ plugins: { settings: { '@roku/plugin-provider-scripted': { delayMs: 60_000 } } } }),
      );
      const child = slow.spawn(['chat', '--pipe', '--session-id', 'slow']);
      let stdout = '';
      let stderr = '';
      child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
      child.stdin?.end('take your time');
      // 'close', not 'exit': stdout may still hold the result when the process has exited.
      const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
      await expect.poll(() => stderr, { timeout: 30_000 }).toContain('RunStarted');
      child.kill('SIGINT');
      expect(await exited).toBe(1);
      expect(JSON.parse(stdout)).toMatchObject({ ok: false, status: 'interrupted' });
      await slow.remove();
    },
    E2E_TIMEOUT,
  );
});
