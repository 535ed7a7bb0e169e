import { describe, expect, it } from 'vitest';
import { RokuError } from '@roku/schemas';
import { LOOP_EVENT_TYPES } from '@roku/host';
import { inProcessCli, lines } from './helpers.js';

describe('roku chat --pipe (fake runtime)', () => {
  it('prints exactly one JSON object on stdout and the events as JSON lines on stderr', async () => {
    const cli = await inProcessCli();
    const r = await cli.run(['chat', '--pipe'], { stdin: '  hello\n' });
    expect(r.code).toBe(0);
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
    expect(cli.world.inputs[0]).toMatchObject({ goal: 'hello', approvalMode: 'deny', autoApprove: false });
    expect(cli.world.closed).toBe(cli.world.opened);
  });

  it('with --json, writes only event lines and one final result line on stdout', async () => {
    const cli = await inProcessCli();
    const r = await cli.run(['chat', '--pipe', '--json', '--session-id', 'ci-42'], { stdin: 'echo hi' });
    expect(r.code).toBe(0);
    const out = lines(r.stdout).map((l) => JSON.parse(l) as { type: string; data: Record<string, unknown> });
    for (const line of out) expect(['event', 'result']).toContain(line.type);
    expect(out.filter((l) => l.type === 'result')).toHaveLength(1);
    expect(out.at(-1)).toMatchObject({
      type: 'result',
      data: { ok: true, session_id: 'ci-42', message: 'echo returned: hi' },
    });
    expect(out.filter((l) => l.type === 'event').map((l) => l.data.type)).toEqual(
      expect.arrayContaining([
        'RunStarted',
        'ToolStart',
        'ToolEnd',
        'StepComplete',
        'TokenUsage',
        'RunFinished',
      ]),
    );
    expect(r.stderr).toBe('');
  });

  it('refuses tools that need approval, suggests interactive chat and exits 0 when the run still succeeds', async () => {
    const cli = await inProcessCli();
    const r = await cli.run(['chat', '--pipe'], { stdin: 'write_file {"path":"out.txt","content":"x"}' });
    const report = JSON.parse(r.stdout) as { ok: boolean; suggestion?: string; message: string };
    expect(cli.world.written).toEqual([]);
    expect(report.message).toContain('refused');
    expect(report.suggestion).toContain('roku chat');
    expect(report.suggestion).toContain('--yes-always');
  });

  it('approves everything with --yes-always or ROKU_AUTO_APPROVE=true', async () => {
    const cli = await inProcessCli();
    await cli.run(['chat', '--pipe', '--yes-always'], { stdin: 'write_file {"path":"a.txt","content":"x"}' });
    await cli.run(['chat', '--pipe', '--session-id', 's2'], {
      stdin: 'write_file {"path":"b.txt","content":"x"}',
      env: { ROKU_AUTO_APPROVE: 'true' },
    });
    expect(cli.world.written).toEqual(['a.txt', 'b.txt']);
    expect(cli.world.inputs.map((i) => i.autoApprove)).toEqual([true, true]);
  });

  it('exits 1 with ok false when the run fails, with the error code and a suggestion', async () => {
    const cli = await inProcessCli();
    const r = await cli.run(['chat', '--pipe'], { stdin: 'fail now' });
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout)).toMatchObject({
      ok: false,
      status: 'failed',
      error: { code: 'ROKU_RUN_FAILED' },
      suggestion: expect.stringContaining('roku trace') as unknown,
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
    expect(cli.world.opened).toBe(0);
  });

  it('reports a runtime that cannot start in the same JSON shape, with the fix', async () => {
    const cli = await inProcessCli();
    const r = await cli.run(['chat', '--pipe'], {
      stdin: 'hello',
      runtimeError: new RokuError('ROKU_NO_PROVIDER', 'no LLM provider plugin is installed'),
    });
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout)).toMatchObject({
      ok: false,
      request_id: null,
      error: { code: 'ROKU_NO_PROVIDER' },
      suggestion: expect.stringContaining('roku plugin install') as unknown,
    });
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('passes --model and --session-id to the run', async () => {
    const cli = await inProcessCli();
    await cli.run(['chat', '--pipe', '--model', 'scripted/scripted-small', '--session-id', 'x1'], {
      stdin: 'hi',
    });
    expect(cli.world.inputs[0]).toMatchObject({ model: 'scripted/scripted-small', sessionId: 'x1' });
  });

  it('builds the runtime from the config, home, working directory and environment of the invocation', async () => {
    const cli = await inProcessCli();
    await cli.run(['chat', '--pipe'], { stdin: 'hi' });
    const options = cli.world.options[0]!;
    expect(options.home).toBe(cli.home);
    expect(options.workspace).toBe(cli.home);
    expect(options.env?.ROKU_HOME).toBe(cli.home);
    expect(options.config.approvals?.autoApprove).toBe(false);
  });
});
