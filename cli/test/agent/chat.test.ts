import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SNAPSHOT } from './fake-runtime.js';
import { inProcessCli, waitFor } from './helpers.js';

const WRITE = (path: string) => `write_file {"path":"${path}","content":"x"}`;

describe('roku chat REPL (fake runtime)', () => {
  it('needs a terminal: without one and without --pipe it is a usage error that suggests --pipe', async () => {
    const cli = await inProcessCli();
    const r = await cli.run(['chat'], { stdin: 'hello\n' });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('roku chat --pipe');
    expect(r.stderr).toContain('[ROKU_CLI_USAGE]');
    expect(cli.world.opened).toBe(0);
    const json = await cli.run(['chat', '--json'], { tty: true });
    expect(json.code).toBe(2);
    expect(json.stderr).toContain('--json needs --pipe');
  });

  it('shows the banner and prompt, streams the reply on stderr, keeps stdout clean and exits 0 on end of input', async () => {
    const cli = await inProcessCli();
    const r = await cli.run(['chat', '--session-id', 'mine'], { tty: true, stdin: 'hello\n' });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^═══ Roku chat ═══\nSession: mine\n.*\/help.*\nroku> /);
    expect(r.stderr).toContain('You said: hello\n');
    // Streamed, so not printed a second time.
    expect(r.stderr.split('You said: hello').length).toBe(2);
    expect(r.stderr).toMatch(/10 in · 5 out .* scripted\/scripted-1/);
    expect(cli.world.inputs[0]).toMatchObject({
      sessionId: 'mine',
      approvalMode: 'interactive',
      planMode: false,
    });
    expect(cli.world.closed).toBe(1);
  });

  it('asks before a write: n rejects, a approves and stops asking for the rest of the process', async () => {
    const cli = await inProcessCli();
    const r = await cli.run(['chat'], {
      tty: true,
      stdin: [WRITE('no.txt'), 'n', WRITE('yes.txt'), 'a', WRITE('auto.txt'), ''].join('\n'),
    });
    expect(r.code).toBe(0);
    expect(r.stderr.match(/\[approval\] Allow\? \[y\/N\/a\(auto\)\] /g)).toHaveLength(2);
    expect(r.stderr).toContain('write_file [write] wants to run');
    expect(r.stderr).toContain('rejected');
    expect(cli.world.written).toEqual(['yes.txt', 'auto.txt']);
    expect(cli.world.inputs.map((i) => i.autoApprove)).toEqual([false, false, true]);
  });

  it('handles the slash commands and says how to get help for an unknown one', async () => {
    const cli = await inProcessCli();
    const script = [
      '/help',
      '/model',
      '/model 2',
      'first',
      '/model nope',
      '/provider',
      '/provider scripted',
      '/plugins',
      '/reload',
      '/compact',
      '/plan',
      '/approve',
      'second',
      '/trace',
      '/session new',
      '/session switch older',
      '/session list',
      '/session show',
      '/frobnicate',
      '/quit',
      'never sent',
    ].join('\n');
    const r = await cli.run(['chat'], { tty: true, stdin: `${script}\n` });
    expect(r.code).toBe(0);
    const err = r.stderr;
    for (const cmd of [
      '/model',
      '/provider',
      '/plugins',
      '/reload',
      '/compact',
      '/session',
      '/trace',
      '/plan',
      '/approve',
      '/quit',
    ])
      expect(err).toContain(cmd);
    expect(err).toMatch(/1\)\s+scripted\/scripted-1\s+200000 tokens/);
    expect(err).toContain('model: scripted/scripted-small for the following runs');
    expect(err).toContain('error: no loaded model "nope"');
    expect(err).toContain('  scripted  2 models');
    expect(err).toContain('@roku/broken@1.0.0');
    expect(err).toContain('problem: failed its health check');
    expect(err).toContain(
      `slots: memory = ${SNAPSHOT.memorySlot} · context engine = ${SNAPSHOT.contextEngine}`,
    );
    expect(err).toContain('warning: context engine fell back to the default');
    expect(err).toMatch(
      /reload failed, rolled back to snapshot #1: plugin x broke \[ROKU_SNAPSHOT_FAILED\] \(7 ms\)/,
    );
    expect(err).toContain('compacted: 4 older messages summarized, 2 visible');
    expect(err).toContain('plan mode on');
    expect(err).toContain('auto-approve on');
    expect(err).toMatch(/run run-\d+ · session chat-default · succeeded/);
    expect(err).toMatch(/session: chat-\d{8}-\d{6} \(new/);
    expect(err).toContain('session: older (new; created by the first message)');
    expect(err).toContain('session older has no messages yet');
    expect(err).toContain('error: unknown command /frobnicate; /help lists the commands');
    expect(cli.world.inputs.map((i) => i.goal)).toEqual(['first', 'second']);
    expect(cli.world.inputs[0]).toMatchObject({
      model: 'scripted/scripted-small',
      planMode: false,
      autoApprove: false,
    });
    // /provider scripted kept the model, since it belongs to that provider.
    expect(cli.world.inputs[1]).toMatchObject({
      model: 'scripted/scripted-small',
      planMode: true,
      autoApprove: true,
    });
  });

  it('persists the input history in $ROKU_HOME/state/chat_history, capped at 1000 lines', async () => {
    const cli = await inProcessCli();
    mkdirSync(join(cli.home, 'state'), { recursive: true });
    const file = join(cli.home, 'state', 'chat_history');
    writeFileSync(file, `${Array.from({ length: 1000 }, (_, i) => `old ${i}`).join('\n')}\n`);
    await cli.run(['chat'], { tty: true, stdin: 'hello\n/help\n\n' });
    expect(existsSync(file)).toBe(true);
    const saved = readFileSync(file, 'utf8').trimEnd().split('\n');
    expect(saved).toHaveLength(1000);
    expect(saved.slice(-3)).toEqual(['old 999', 'hello', '/help']);
    expect(saved[0]).toBe('old 2');
  });

  it('prints a one-line notice when the plugins reload while the chat is open', async () => {
    const cli = await inProcessCli();
    const r = await cli.run(['chat'], {
      tty: true,
      converse: async (_stdin, stderr) => {
        await waitFor(stderr, 'roku> ');
        for (const listener of cli.world.reloadListeners) {
          listener({ ok: true, snapshot: { ...SNAPSHOT, id: 2 }, reason: 'install @roku/x', elapsedMs: 12 });
          listener({
            ok: false,
            snapshot: SNAPSHOT,
            reason: 'install @roku/y',
            error: { code: 'ROKU_SNAPSHOT_FAILED', message: 'y broke' },
            elapsedMs: 3,
          });
        }
      },
    });
    expect(r.stderr).toContain('⟳ plugins reloaded: snapshot #2 (install @roku/x, 12 ms)');
    expect(r.stderr).toContain('⚠ plugin reload failed, still on snapshot #1: y broke');
  });

  it('on a terminal, ctrl-C cancels the active run and returns to the prompt; twice at an empty prompt exits', async () => {
    const cli = await inProcessCli();
    const r = await cli.run(['chat'], {
      tty: true,
      terminal: true,
      converse: async (stdin, stderr) => {
        await waitFor(stderr, 'roku> ');
        stdin.write('slow\r');
        await waitFor(() => String(cli.world.inputs.length), '1');
        stdin.write('\u0003');
        await waitFor(stderr, 'interrupted: cancelled');
        stdin.write('\u0003');
        await waitFor(stderr, 'ctrl-C again or ctrl-D to exit');
        stdin.write('\u0003');
        await new Promise((resolve) => setTimeout(resolve, 50));
        // Never read: the REPL has exited.
        stdin.write('after\r');
      },
    });
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('^C cancelling the run…');
    expect(r.stderr).toContain('fix: send the goal again');
    expect(cli.world.inputs.map((i) => i.goal)).toEqual(['slow']);
    expect(cli.world.inputs[0]?.signal?.aborted).toBe(true);
    expect(cli.world.closed).toBe(1);
  });
});
