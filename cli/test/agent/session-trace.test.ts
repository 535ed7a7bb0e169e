import { statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LOOP_EVENT_TYPES } from '@roku/host';
import type { InProcessCli } from './helpers.js';
import { inProcessCli, lines } from './helpers.js';

/** Sends `goal` through `roku chat --pipe` and returns the run id. */
async function send(cli: InProcessCli, goal: string, sessionId?: string): Promise<string> {
  const r = await cli.run(
    ['chat', '--pipe', ...(sessionId === undefined ? [] : ['--session-id', sessionId])],
    {
      stdin: goal,
    },
  );
  expect(r.code, r.stderr).toBe(0);
  return (JSON.parse(r.stdout) as { request_id: string }).request_id;
}

describe('roku session (real runtime)', () => {
  it('lists sessions and shows messages with roles, tool calls and runs with status', async () => {
    const cli = await inProcessCli();
    const first = await send(cli, 'hello', 'ci-42');
    const second = await send(cli, 'echo again', 'ci-42');
    await send(cli, 'hi', 'other');
    const list = await cli.run(['session', 'list']);
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(/^ID\s+MESSAGES\s+LAST RUN\s+UPDATED/);
    expect(list.stdout).toMatch(/ci-42\s+6\s+succeeded\s+\d+s ago/);
    expect(list.stdout).toMatch(/other\s+2\s+succeeded/);
    const listed = JSON.parse((await cli.run(['session', 'list', '--json'])).stdout) as {
      sessions: { id: string; messageCount: number; lastRunId: string }[];
    };
    expect(listed.sessions).toEqual(
      expect.arrayContaining([expect.objectContaining({ id: 'ci-42', messageCount: 6, lastRunId: second })]),
    );

    const show = await cli.run(['session', 'show', 'ci-42']);
    expect(show.code).toBe(0);
    expect(show.stdout).toContain('session ci-42\n  6 messages · 2 runs');
    expect(show.stdout).toContain('[1] user: hello');
    expect(show.stdout).toContain('[2] assistant: You said: hello');
    expect(show.stdout).toContain('[3] user: echo again');
    expect(show.stdout).toMatch(/\[4\] assistant: → echo \{"text":"again"\} \((\S+)\)/);
    const callId = /\[4\] assistant: → echo \S+ \((\S+)\)/.exec(show.stdout)?.[1];
    expect(show.stdout).toContain(`[5] tool (${callId}): {"text":"again"}`);
    expect(show.stdout).toContain('[6] assistant: echo returned: {"text":"again"}');
    expect(show.stdout).toMatch(new RegExp(`${first}\\s+succeeded\\s+hello`));
    expect(show.stdout).toMatch(new RegExp(`${second}\\s+succeeded\\s+echo again`));

    const json = JSON.parse((await cli.run(['session', 'show', 'ci-42', '--json'])).stdout) as {
      messages: { message: { role: string } }[];
      runs: { id: string }[];
    };
    expect(json.messages.map((m) => m.message.role)).toEqual([
      'user',
      'assistant',
      'user',
      'assistant',
      'tool',
      'assistant',
    ]);
    expect(json.runs.map((r) => r.id).sort()).toEqual([first, second].sort());
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
    await send(cli, 'hello', 'gone');
    const refused = await cli.run(['session', 'delete', 'gone']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('--yes');
    const declined = await cli.run(['session', 'delete', 'gone'], { tty: true, stdin: 'n\n' });
    expect(declined.code).toBe(1);
    expect(declined.stderr).toContain('Delete session gone (2 messages)');
    expect(declined.stderr).toContain('not deleted: gone');
    expect((await cli.session('gone'))?.messages).toHaveLength(2);
    const asked = await cli.run(['session', 'delete', 'gone'], { tty: true, stdin: 'y\n' });
    expect(asked.code).toBe(0);
    expect(asked.stdout).toBe('deleted session gone\n');
    expect(await cli.session('gone')).toBeUndefined();
  });

  it('deletes with --yes and reports it as JSON, with the runs and their traces', async () => {
    const cli = await inProcessCli();
    const runId = await send(cli, 'hello', 'tmp');
    const r = await cli.run(['session', 'delete', 'tmp', '--yes', '--json']);
    expect(JSON.parse(r.stdout)).toEqual({ ok: true, deleted: 'tmp' });
    expect((await cli.run(['session', 'list'])).stdout).toBe('no sessions\n');
    expect((await cli.run(['trace', runId])).code).toBe(1);
  });
});

describe('roku trace (real runtime)', () => {
  it('prints one compact line per event, joining text deltas, and the trace file', async () => {
    const cli = await inProcessCli();
    const runId = await send(cli, 'echo hi');
    const r = await cli.run(['trace', runId]);
    expect(r.code, r.stderr).toBe(0);
    const out = lines(r.stdout);
    const events = lines((await cli.run(['trace', runId, '--json'])).stdout).length - 1;
    expect(out[0]).toBe(`run ${runId} · session chat-default · succeeded · ${events} events`);
    expect(out[1]).toBe('goal: echo hi');
    expect(out).toContain('  0 ToolStart echo {"text":"hi"}');
    expect(out.some((l) => /^ {2}0 ToolEnd echo ok \d+ ms → \{"text":"hi"\}$/.test(l))).toBe(true);
    // Streamed in several deltas, shown as one line.
    expect(out).toContain('  1 LlmText "echo returned: {\\"text\\":\\"hi\\"}"');
    expect(out.some((l) => /TokenUsage prompt_tokens=\d+ .*estimated_cost_usd=0/.test(l))).toBe(true);
    expect(out.some((l) => /RunFinished succeeded/.test(l))).toBe(true);
    const file = join(cli.home, 'traces', `${runId}.jsonl`);
    expect(out.at(-1)).toBe(`trace: ${file} (${statSync(file).size} bytes)`);
  });

  it('prints event lines and one final trace line with --json', async () => {
    const cli = await inProcessCli();
    const runId = await send(cli, 'hi');
    const out = lines((await cli.run(['trace', runId, '--json'])).stdout).map(
      (l) => JSON.parse(l) as { type: string; data: Record<string, unknown> },
    );
    const events = out.slice(0, -1);
    expect(events.every((l) => l.type === 'event')).toBe(true);
    for (const e of events) expect(LOOP_EVENT_TYPES).toContain(e.data.type);
    expect(events.map((e) => e.data.type).at(-1)).toBe('RunFinished');
    const file = join(cli.home, 'traces', `${runId}.jsonl`);
    expect(out.at(-1)).toEqual({
      type: 'trace',
      data: {
        runId,
        sessionId: 'chat-default',
        status: 'succeeded',
        goal: 'hi',
        events: events.length,
        file,
        bytes: statSync(file).size,
        dropped: 0,
      },
    });
  });

  it('names an unknown run id and exits 1', async () => {
    const cli = await inProcessCli();
    const r = await cli.run(['trace', 'run-missing']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('run "run-missing" not found');
    expect(r.stderr).toContain('[ROKU_RUN_NOT_FOUND]');
  });
});
