import { describe, expect, it } from 'vitest';
import { inProcessCli, lines } from './helpers.js';

/** Model text that would clear the screen, retitle the terminal, overwrite a line and reverse what follows. */
const HOSTILE = 'hi \u001b[2J\u001b]0;pwned\u0007 \u009b31m\u202eevil\rover\r\nnext \ud800 end';
const ESCAPED = 'hi \\u001B[2J\\u001B]0;pwned\\u0007 \\u009B31m\\u202Eevil\\u000Dover\nnext \ufffd end';
// eslint-disable-next-line no-control-regex -- the test looks for raw control characters
const RAW_CONTROLS = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

describe('what the terminal shows of model and plugin text', () => {
  it("escapes a model's control and bidi characters in roku run's answer, and keeps them as data with --json", async () => {
    const cli = await inProcessCli({ script: [{ match: '^hostile', text: HOSTILE }] });
    const r = await cli.run(['run', 'hostile']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe(`${ESCAPED}\n`);
    expect(r.stderr).not.toMatch(RAW_CONTROLS);
    const json = await cli.run(['run', '--json', 'hostile']);
    // The text is escaped where it leaves the provider plugin (CRLF kept), so JSON carries that escaped text.
    expect(json.stdout).not.toMatch(RAW_CONTROLS);
    expect((JSON.parse(json.stdout) as { message: string }).message).toBe(
      'hi \\u001B[2J\\u001B]0;pwned\\u0007 \\u009B31m\\u202Eevil\\u000Dover\r\nnext \ufffd end',
    );
  });

  it('escapes streamed model text in the chat REPL, even when an escape pair is split between two deltas', async () => {
    const cli = await inProcessCli({
      // One character per delta: the CRLF and every sequence arrive in pieces.
      settings: {
        '@roku/plugin-provider-scripted': {
          chunkChars: 1,
          script: [{ match: '^hostile', text: `${HOSTILE} 😀` }],
        },
      },
    });
    const r = await cli.run(['chat'], { tty: true, stdin: 'hostile\n' });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(`${ESCAPED} 😀`);
    // Only the REPL's own styling is left: no raw control character at all (no colour without a TTY).
    expect(r.stderr).not.toMatch(RAW_CONTROLS);
  });

  it('escapes tool arguments and results in the tool lines', async () => {
    const cli = await inProcessCli();
    const r = await cli.run(['run', 'echo', 'a\u001b[31mred\u202eb']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('⚙ echo {"text":"a\\\\u001B[31mred\\\\u202Eb"}');
    expect(r.stderr).not.toMatch(RAW_CONTROLS);
    expect(r.stdout).not.toMatch(RAW_CONTROLS);
  });
});

describe('roku run --json', () => {
  it('writes the result object on stdout and nothing on stderr: success, a tool call, a pause, a failure', async () => {
    const cli = await inProcessCli({ script: [{ match: '^fail', malformed: true }] });
    const ok = await cli.run(['run', '--json', 'echo', 'hello']);
    expect(ok.code).toBe(0);
    expect(ok.stderr).toBe('');
    expect(lines(ok.stdout)).toHaveLength(1);
    expect(JSON.parse(ok.stdout)).toMatchObject({ ok: true, status: 'succeeded' });

    const paused = await cli.run(['run', '--json', 'write_file', '{"path":"o.txt","content":"x"}']);
    expect(paused.code).toBe(3);
    expect(paused.stderr).toBe('');
    const report = JSON.parse(paused.stdout) as { status: string; approval_id: string; suggestion: string };
    expect(report.status).toBe('awaiting_approval');
    expect(report.suggestion).toContain(`roku approval approve ${report.approval_id}`);

    const approved = await cli.run(['approval', 'approve', report.approval_id, '--json']);
    expect(approved.code).toBe(0);
    expect(approved.stderr).toBe('');
    expect(JSON.parse(approved.stdout)).toMatchObject({ ok: true, status: 'succeeded' });
    expect(cli.file('o.txt')).toBe('x');

    const failed = await cli.run(['run', '--json', 'fail']);
    expect(failed.code).toBe(1);
    expect(failed.stderr).toBe('');
    expect(JSON.parse(failed.stdout)).toMatchObject({
      ok: false,
      status: 'failed',
      error: { code: 'ROKU_PROVIDER_BAD_OUTPUT' },
      suggestion: expect.stringContaining('roku trace') as unknown,
    });
  });

  it('keeps warnings in the log file, not on stderr', async () => {
    const cli = await inProcessCli({ settings: { '@roku/plugin-memory-session': { nope: true } } });
    const text = await cli.run(['run', 'hello']);
    expect(text.stderr).toMatch(
      /^roku: warning: plugin left out of the snapshot \(plugin @roku\/plugin-memory-session\)/m,
    );
    const json = await cli.run(['run', '--json', 'hello']);
    expect(json.code).toBe(0);
    expect(json.stderr).toBe('');
  });
});
