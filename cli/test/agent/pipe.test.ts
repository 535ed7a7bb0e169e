import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LOOP_EVENT_TYPES } from '@roku/host';
import { tempDir } from '@roku/test-support';
import type { RunReport as Report } from '../../src/commands/agent/result.js';
import { DEV_PLUGINS, inProcessCli, lines } from './helpers.js';

const WRITE = (path: string) => `write_file {"path":"${path}","content":"piped"}`;

describe('roku chat --pipe (real runtime)', () => {
  it('prints exactly one JSON object on stdout and the events as JSON lines on stderr', async () => {
    // Pinned usage, so the report's usage is the provider's.
    const cli = await inProcessCli({
      script: [{ usage: { inputTokens: 10, outputTokens: 5 } }],
      strict: true,
    });
    const r = await cli.run(['chat', '--pipe'], { stdin: '  hello\n' });
    expect(r.code, r.stderr).toBe(0);
    expect(lines(r.stdout)).toHaveLength(1);
    const report = JSON.parse(r.stdout) as Record<string, unknown>;
    expect(report).toMatchObject({
      ok: true,
      session_id: 'chat-default',
      status: 'succeeded',
      message: 'You said: hello',
      model: 'scripted/scripted-1',
      usage: { prompt_tokens: 10, output_tokens: 5, estimated_cost_usd: 0 },
    });
    expect(report.request_id).toMatch(/^run-/);
    const events = lines(r.stderr).map((l) => JSON.parse(l) as { type: string });
    expect(events.map((e) => e.type)).toContain('RunFinished');
    for (const e of events) expect(LOOP_EVENT_TYPES).toContain(e.type);
    // The goal was trimmed and the session keeps both turns.
    const session = await cli.session('chat-default');
    expect(session?.messages.map((m) => [m.message.role, m.message.content])).toEqual([
      ['user', 'hello'],
      ['assistant', 'You said: hello'],
    ]);
    expect(session?.runs.map((run) => [run.id, run.status])).toEqual([[report.request_id, 'succeeded']]);
  });

  it('mirrors both turns of every run to $ROKU_HOME/state/sessions/chat/<id>.jsonl, or under ROKU_SESSION_HISTORY_DIR', async () => {
    const cli = await inProcessCli();
    for (const goal of ['first', 'second']) {
      const r = await cli.run(['chat', '--pipe', '--session-id', 'ci-42'], { stdin: goal });
      expect(r.code, r.stderr).toBe(0);
    }
    const file = join(cli.home, 'state', 'sessions', 'chat', 'ci-42.jsonl');
    const turns = lines(readFileSync(file, 'utf8')).map(
      (l) => JSON.parse(l) as { role: string; content: string; session_id: string },
    );
    expect(turns.map((t) => [t.role, t.content])).toEqual([
      ['user', 'first'],
      ['assistant', 'You said: first'],
      ['user', 'second'],
      ['assistant', 'You said: second'],
    ]);
    // the second run got the first turn as history: the session is the state database's, the file its mirror
    const session = await cli.session('ci-42');
    expect(session?.messages).toHaveLength(4);
    const elsewhere = tempDir('history-dir');
    const r = await cli.run(['chat', '--pipe', '--session-id', 'ci-43'], {
      stdin: 'moved',
      env: { ROKU_SESSION_HISTORY_DIR: elsewhere },
    });
    expect(r.code, r.stderr).toBe(0);
    expect(lines(readFileSync(join(elsewhere, 'ci-43.jsonl'), 'utf8'))).toHaveLength(2);
    expect(existsSync(join(cli.home, 'state', 'sessions', 'chat', 'ci-43.jsonl'))).toBe(false);
  });

  it('with --json, writes only event lines and one final result line on stdout', async () => {
    const cli = await inProcessCli();
    const r = await cli.run(['chat', '--pipe', '--json', '--session-id', 'ci-42'], { stdin: 'echo hi' });
    expect(r.code, r.stderr).toBe(0);
    const out = lines(r.stdout).map((l) => JSON.parse(l) as { type: string; data: Record<string, unknown> });
    for (const line of out) expect(['event', 'result']).toContain(line.type);
    expect(out.filter((l) => l.type === 'result')).toHaveLength(1);
    expect(out.at(-1)).toMatchObject({
      type: 'result',
      data: { ok: true, session_id: 'ci-42', message: 'echo returned: {"text":"hi"}' },
    });
    const types = out.filter((l) => l.type === 'event').map((l) => l.data.type);
    expect(types).toEqual(
      expect.arrayContaining([
        'RunStarted',
        'ToolStart',
        'ToolEnd',
        'StepComplete',
        'TokenUsage',
        'RunFinished',
      ]),
    );
    for (const t of types) expect(LOOP_EVENT_TYPES).toContain(t);
    expect(r.stderr).toBe('');
  });

  it('refuses tools that need approval, suggests interactive chat and exits 0 when the run still succeeds', async () => {
    const cli = await inProcessCli();
    const r = await cli.run(['chat', '--pipe'], { stdin: WRITE('out.txt') });
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout) as Report;
    expect(report).toMatchObject({ ok: true, status: 'succeeded' });
    expect(cli.file('out.txt')).toBeUndefined();
    expect(report.message).toContain('write_file returned: denied: write_file needs approval');
    expect(report.suggestion).toContain('roku chat');
    expect(report.suggestion).toContain('--yes-always');
    // The refusal is in the stream of events too, and the model saw it as the call's result.
    const decided = lines(r.stderr)
      .map((l) => JSON.parse(l) as { type: string; decision?: string })
      .filter((e) => e.type === 'ApprovalDecided');
    expect(decided).toEqual([expect.objectContaining({ decision: 'denied', tool_name: 'write_file' })]);
    const tool = (await cli.session('chat-default'))?.messages.find((m) => m.message.role === 'tool');
    expect(tool?.message.content).toContain('denied');
  });

  it('approves everything with --yes-always or ROKU_AUTO_APPROVE=true', async () => {
    const cli = await inProcessCli();
    const flag = await cli.run(['chat', '--pipe', '--yes-always'], { stdin: WRITE('a.txt') });
    expect(flag.code, flag.stderr).toBe(0);
    const env = await cli.run(['chat', '--pipe', '--session-id', 's2'], {
      stdin: WRITE('b.txt'),
      env: { ROKU_AUTO_APPROVE: 'true' },
    });
    expect(env.code, env.stderr).toBe(0);
    expect(cli.file('a.txt')).toBe('piped');
    expect(cli.file('b.txt')).toBe('piped');
    for (const r of [flag, env]) expect((JSON.parse(r.stdout) as Report).suggestion).toBeUndefined();
  });

  it('exits 1 with ok false when the run fails, with the error code and a suggestion', async () => {
    // An answer that is not a ChatResponse: the run fails with an error that has no documented fix.
    const cli = await inProcessCli({ script: [{ match: '^fail', malformed: true }], strict: true });
    const r = await cli.run(['chat', '--pipe'], { stdin: 'fail now' });
    expect(r.code).toBe(1);
    const report = JSON.parse(r.stdout) as Report;
    expect(report).toMatchObject({
      ok: false,
      status: 'failed',
      error: { code: 'ROKU_PROVIDER_BAD_OUTPUT' },
      suggestion: `see what happened with roku trace ${report.request_id}`,
    });
    expect((await cli.session('chat-default'))?.runs.map((run) => run.status)).toEqual(['failed']);
  });

  it('suggests the documented fix for errors that have one', async () => {
    const cli = await inProcessCli({
      script: [{ match: '^auth', error: { code: 'PROVIDER_AUTH_FAILED', message: 'bad key' } }],
      strict: true,
    });
    const r = await cli.run(['chat', '--pipe'], { stdin: 'auth please' });
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout)).toMatchObject({
      ok: false,
      error: { code: 'ROKU_PROVIDER_FAILED' },
      suggestion: expect.stringContaining('credentials') as unknown,
    });
  });

  it('treats empty input as a usage error (exit 2) and still prints one result object', async () => {
    const cli = await inProcessCli();
    for (const json of [false, true]) {
      const r = await cli.run(['chat', '--pipe', ...(json ? ['--json'] : [])], { stdin: ' \n\t\n' });
      expect(r.code).toBe(2);
      expect(lines(r.stdout)).toHaveLength(1);
      const parsed = JSON.parse(r.stdout) as { type?: string; data?: unknown };
      const report = (json ? parsed.data : parsed) as Record<string, unknown>;
      expect(report).toMatchObject({ ok: false, error: { code: 'ROKU_CLI_USAGE' } });
    }
    // Nothing ran: no session, no run, no store opened.
    expect((await cli.run(['session', 'list'])).stdout).toBe('no sessions\n');
  });

  it('reports a missing provider in the same JSON shape, with the fix', async () => {
    const cli = await inProcessCli({ devDirs: [DEV_PLUGINS.toolsFs] });
    const r = await cli.run(['chat', '--pipe'], { stdin: 'hello' });
    expect(r.code).toBe(1);
    expect(lines(r.stdout)).toHaveLength(1);
    expect(JSON.parse(r.stdout)).toMatchObject({
      ok: false,
      request_id: null,
      session_id: 'chat-default',
      error: { code: 'ROKU_NO_PROVIDER' },
      suggestion: expect.stringContaining('roku plugin install') as unknown,
    });
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('reports a config that cannot be loaded in the same JSON shape, without a stack trace', async () => {
    const cli = await inProcessCli();
    cli.writeConfig({ plugins: { devDirs: 'not a list' } });
    const r = await cli.run(['chat', '--pipe', '--json'], { stdin: 'hello' });
    expect(r.code).toBe(1);
    expect(lines(r.stdout)).toHaveLength(1);
    expect(JSON.parse(r.stdout)).toMatchObject({
      type: 'result',
      data: { ok: false, request_id: null, error: { code: 'ROKU_CONFIG_INVALID' } },
    });
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('passes --model and --session-id to the run', async () => {
    const cli = await inProcessCli();
    const r = await cli.run(['chat', '--pipe', '--model', 'scripted/scripted-small', '--session-id', 'x1'], {
      stdin: 'hi',
    });
    expect(JSON.parse(r.stdout)).toMatchObject({
      ok: true,
      model: 'scripted/scripted-small',
      session_id: 'x1',
    });
    expect((await cli.session('x1'))?.messages).toHaveLength(2);
    expect(await cli.session('chat-default')).toBeUndefined();
    const unknown = await cli.run(['chat', '--pipe', '--model', 'scripted/nope'], { stdin: 'hi' });
    expect(unknown.code).toBe(1);
    expect(JSON.parse(unknown.stdout)).toMatchObject({ ok: false, error: { code: 'ROKU_MODEL_NOT_FOUND' } });
  });

  it('builds the runtime from the config, home, working directory and environment of the invocation', async () => {
    // approvals.autoApprove in $ROKU_HOME/config.json approves the write; it lands in the working directory.
    const cli = await inProcessCli({ config: { approvals: { autoApprove: true } } });
    const r = await cli.run(['chat', '--pipe'], { stdin: WRITE('here.txt') });
    expect(r.code, r.stderr).toBe(0);
    expect(cli.file('here.txt')).toBe('piped');
    expect(existsSync(join(cli.home, 'here.txt'))).toBe(false);
    // The store and the trace live in ROKU_HOME.
    const runId = (JSON.parse(r.stdout) as Report).request_id!;
    expect(existsSync(join(cli.home, 'traces', `${runId}.jsonl`))).toBe(true);
  });
});
