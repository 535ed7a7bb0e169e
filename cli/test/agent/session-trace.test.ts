import { describe, expect, it } from 'vitest';
import { inProcessCli, lines } from './helpers.js';

describe('roku session (fake runtime)', () => {
  it('lists sessions and shows messages with roles, tool calls and runs with status', async () => {
    const cli = await inProcessCli();
    await cli.run(['chat', '--pipe', '--session-id', 'ci-42'], { stdin: 'hello' });
    await cli.run(['chat', '--pipe', '--session-id', 'ci-42'], { stdin: 'echo again' });
    const list = await cli.run(['session', 'list']);
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(/^ID\s+MESSAGES\s+LAST RUN/);
    expect(list.stdout).toMatch(/ci-42\s+5\s+succeeded/);
    const show = await cli.run(['session', 'show', 'ci-42']);
    expect(show.code).toBe(0);
    expect(show.stdout).toContain('[1] user: hello');
    expect(show.stdout).toContain('[2] assistant: You said: hello');
    expect(show.stdout).toContain('[4] tool (call_1): again');
    expect(show.stdout).toMatch(/run-\d+\s+succeeded\s+echo again/);
    const json = JSON.parse((await cli.run(['session', 'show', 'ci-42', '--json'])).stdout) as {
      messages: { message: { role: string } }[];
      runs: unknown[];
    };
    expect(json.messages.map((m) => m.message.role)).toEqual([
      'user',
      'assistant',
      'user',
      'tool',
      'assistant',
    ]);
    expect(json.runs).toHaveLength(2);
  });

  it('names an unknown session id and exits 1, for show and delete', async () => {
    const cli = await inProcessCli();
    for (const args of [
      ['session', 'show', 'nope'],
      ['session', 'delete', 'nope', '--yes'],
    ]) {
      const r = await cli.run(args);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain('session "nope" not found');
      expect(r.stderr).toContain('[ROKU_SESSION_NOT_FOUND]');
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
  });

  it('refuses to delete without --yes when stdin is not a terminal, asks on one', async () => {
    const cli = await inProcessCli();
    await cli.run(['chat', '--pipe', '--session-id', 'gone'], { stdin: 'hello' });
    const refused = await cli.run(['session', 'delete', 'gone']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('--yes');
    const declined = await cli.run(['session', 'delete', 'gone'], { tty: true, stdin: 'n\n' });
    expect(declined.code).toBe(1);
    expect(declined.stderr).toContain('Delete session gone (2 messages)');
    expect(cli.world.sessions.has('gone')).toBe(true);
    const asked = await cli.run(['session', 'delete', 'gone'], { tty: true, stdin: 'y\n' });
    expect(asked.code).toBe(0);
    expect(asked.stdout).toBe('deleted session gone\n');
    expect(cli.world.sessions.has('gone')).toBe(false);
  });

  it('deletes with --yes and reports it as JSON', async () => {
    const cli = await inProcessCli();
    await cli.run(['chat', '--pipe', '--session-id', 'tmp'], { stdin: 'hello' });
    const r = await cli.run(['session', 'delete', 'tmp', '--yes', '--json']);
    expect(JSON.parse(r.stdout)).toEqual({ ok: true, deleted: 'tmp' });
    expect((await cli.run(['session', 'list'])).stdout).toBe('no sessions\n');
  });
});

describe('roku trace (fake runtime)', () => {
  it('prints one compact line per event, joining text deltas, and the trace file', async () => {
    const cli = await inProcessCli();
    const runId = (
      JSON.parse((await cli.run(['chat', '--pipe'], { stdin: 'echo hi' })).stdout) as { request_id: string }
    ).request_id;
    const r = await cli.run(['trace', runId]);
    expect(r.code).toBe(0);
    const out = lines(r.stdout);
    expect(out[0]).toBe(`run ${runId} · session chat-default · succeeded · 9 events`);
    expect(out).toContain('  1 ToolStart echo {"text":"hi"}');
    expect(out).toContain('  1 ToolEnd echo ok 3 ms → hi');
    expect(out).toContain('  1 LlmText "echo returned: hi"');
    expect(out.some((l) => /TokenUsage prompt_tokens=10 .*estimated_cost_usd=0/.test(l))).toBe(true);
    expect(out.at(-1)).toBe(`trace: /traces/${runId}.jsonl (1234 bytes)`);
  });

  it('prints event lines and one final trace line with --json', async () => {
    const cli = await inProcessCli();
    const runId = (
      JSON.parse((await cli.run(['chat', '--pipe'], { stdin: 'hi' })).stdout) as { request_id: string }
    ).request_id;
    const out = lines((await cli.run(['trace', runId, '--json'])).stdout).map(
      (l) => JSON.parse(l) as { type: string; data: Record<string, unknown> },
    );
    expect(out.slice(0, -1).every((l) => l.type === 'event')).toBe(true);
    expect(out.at(-1)).toEqual({
      type: 'trace',
      data: expect.objectContaining({
        runId,
        file: `/traces/${runId}.jsonl`,
        bytes: 1234,
        dropped: 0,
      }) as unknown,
    });
  });

  it('names an unknown run id and exits 1', async () => {
    const cli = await inProcessCli();
    const r = await cli.run(['trace', 'run-missing']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('run "run-missing" not found');
  });
});
