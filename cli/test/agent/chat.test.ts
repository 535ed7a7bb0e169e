import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '@roku/test-support';
import type { AgentSetup } from './helpers.js';
import { DEV_PLUGINS, agentConfig, inProcessCli, lines, waitFor } from './helpers.js';

const WRITE = (path: string) => `write_file {"path":"${path}","content":"x"}`;
/** A goal long enough that a summary of it is shorter, so /compact has something to do. */
const LONG = (word: string) => `${word}${' and so on'.repeat(60)}`;

/** A dev plugin that loads (valid manifest) but whose code throws: it is left out of the snapshot. */
function brokenPlugin(): string {
  const dir = tempDir('broken-plugin');
  mkdirSync(join(dir, 'dist'));
  writeFileSync(
    join(dir, 'roku.plugin.json'),
    JSON.stringify({
      manifestVersion: 1,
      id: '@test/broken',
      version: '1.0.0',
      description: 'Throws when it loads.',
      license: 'Apache-2.0',
      engines: { roku: '^0.1.0' },
      runtime: { type: 'isolate', entry: 'dist/plugin.js' },
      contributes: {
        tools: [
          {
            name: 'x',
            description: 'Never loads.',
            inputSchema: { type: 'object', properties: {} },
            risk: ['read'],
          },
        ],
      },
      permissions: {},
    }),
  );
  writeFileSync(join(dir, 'dist', 'plugin.js'), "throw new Error('broken on purpose');\n");
  return dir;
}

describe('roku chat REPL (real runtime)', () => {
  it('needs a terminal: without one and without --pipe it is a usage error that suggests --pipe', async () => {
    const cli = await inProcessCli();
    const r = await cli.run(['chat'], { stdin: 'hello\n' });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('roku chat --pipe');
    expect(r.stderr).toContain('[ROKU_CLI_USAGE]');
    const json = await cli.run(['chat', '--json'], { tty: true, stdin: 'hello\n' });
    expect(json.code).toBe(2);
    expect(JSON.parse(json.stdout)).toMatchObject({
      ok: false,
      error: { code: 'ROKU_CLI_USAGE', message: 'chat: --json needs --pipe' },
    });
    // Nothing was sent.
    expect((await cli.run(['session', 'list'])).stdout).toBe('no sessions\n');
  });

  it('shows the banner and prompt, streams the reply on stderr, keeps stdout clean and exits 0 on end of input', async () => {
    const cli = await inProcessCli({ script: [{ usage: { inputTokens: 10, outputTokens: 5 } }] });
    const r = await cli.run(['chat', '--session-id', 'mine'], { tty: true, stdin: 'hello\n' });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^═══ Roku chat ═══\nSession: mine\n.*\/help.*\nroku> /);
    expect(r.stderr).toContain('You said: hello\n');
    // Streamed, so not printed a second time.
    expect(r.stderr.split('You said: hello').length).toBe(2);
    expect(r.stderr).toMatch(/10 in · 5 out · \$0\.0000 · scripted\/scripted-1 · 0 steps · run run-/);
    expect((await cli.session('mine'))?.messages.map((m) => [m.message.role, m.message.content])).toEqual([
      ['user', 'hello'],
      ['assistant', 'You said: hello'],
    ]);
  });

  it('asks before a write: n rejects, a approves and stops asking for the rest of the process', async () => {
    const cli = await inProcessCli();
    const r = await cli.run(['chat'], {
      tty: true,
      stdin: [WRITE('no.txt'), 'n', WRITE('yes.txt'), 'a', WRITE('auto.txt'), ''].join('\n'),
    });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr.match(/\[approval\] Allow\? \[y\/N\/a\(auto\)\] /g)).toHaveLength(2);
    expect(r.stderr).toContain('write_file [write] wants to run');
    expect(r.stderr).toContain('rejected');
    expect(r.stderr).toContain('⊘ write_file not run');
    expect(r.stderr).toContain('approved; auto-approve is on for the rest of this process');
    expect(cli.file('no.txt')).toBeUndefined();
    expect(cli.file('yes.txt')).toBe('x');
    expect(cli.file('auto.txt')).toBe('x');
    const runs = (await cli.session('chat-default'))?.runs;
    expect(runs?.map((run) => run.status)).toEqual(['succeeded', 'succeeded', 'succeeded']);
  });

  it('/approve shows the approval state; turning it off after an "a" makes the next write ask again', async () => {
    const cli = await inProcessCli();
    const r = await cli.run(['chat'], {
      tty: true,
      stdin: [
        '/approve',
        WRITE('one.txt'),
        'a',
        '/approve',
        '/approve off',
        WRITE('two.txt'),
        'n',
        '/approve maybe',
        '',
      ].join('\n'),
    });
    expect(r.code, r.stderr).toBe(0);
    const err = r.stderr;
    expect(err).toContain(
      'auto-approve off: tool calls that need approval ask first; change it with /approve on',
    );
    expect(err).toContain('approved; auto-approve is on for the rest of this process (/approve off to stop)');
    expect(err).toContain(
      'auto-approve on: tool calls run without asking (deny patterns still refuse); change it with /approve off',
    );
    // What /approve off said is what happens: the next write asks, and n keeps it from running.
    expect(err.match(/\[approval\] Allow\? \[y\/N\/a\(auto\)\] /g)).toHaveLength(2);
    expect(cli.file('one.txt')).toBe('x');
    expect(cli.file('two.txt')).toBeUndefined();
    expect(err).toContain('error: /approve takes on or off, not "maybe"');
  });

  it('a provider pinned in the config refuses /provider switches with a message naming the pin (spec check 45)', async () => {
    const cli = await inProcessCli({ config: { agent: { provider: 'scripted' } } });
    const r = await cli.run(['chat'], {
      tty: true,
      stdin: ['/provider openrouter', '/provider all', '/provider', 'hello', ''].join('\n'),
    });
    expect(r.code, r.stderr).toBe(0);
    const refusal =
      'error: the provider is pinned to scripted by agent.provider in the config; /provider cannot switch it (empty agent.provider to choose freely)';
    expect(r.stderr.split(refusal)).toHaveLength(3);
    expect(r.stderr).toMatch(/\* scripted {2}/);
    expect(r.stderr).toMatch(/· scripted\/scripted-\S+ · /);
    const unknown = await inProcessCli({ config: { agent: { provider: 'nosuch' } } });
    const failed = await unknown.run(['run', 'hello']);
    expect(failed.code).toBe(1);
    expect(failed.stderr).toContain(
      'agent.provider pins the provider "nosuch", but no loaded plugin offers its models',
    );
  });

  it('handles the slash commands and says how to get help for an unknown one', async () => {
    const broken = brokenPlugin();
    const cli = await inProcessCli({
      devDirs: [DEV_PLUGINS.scripted, DEV_PLUGINS.toolsFs, DEV_PLUGINS.echo, broken],
      plugins: { contextEngine: '@test/missing-engine' },
      settings: { '@roku/plugin-context-default': { tailMessages: 2 } },
      // The broken plugin is expected: no warnings in the test output.
      config: { log: { level: 'error' } },
    });
    const script = [
      '/help',
      '/model',
      '/model 2',
      LONG('first'),
      '/model nope',
      '/provider',
      '/provider scripted',
      '/plugins',
      '/reload',
      LONG('second'),
      LONG('third'),
      '/compact',
      '/plan',
      '/approve on',
      WRITE('plan.txt'),
      '/plan',
      WRITE('auto.txt'),
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
    expect(r.code, r.stderr).toBe(0);
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
    expect(err).toMatch(/2\)\s+scripted\/scripted-small\s+16000 tokens/);
    expect(err).toContain('model: scripted/scripted-small for the following runs');
    expect(err).toContain('error: no loaded model "nope"');
    expect(err).toContain('  scripted  2 models');
    expect(err).toContain('provider: scripted · model scripted/scripted-small');
    expect(err).toMatch(/✗ @test\/broken@1\.0\.0 {2}dev · \S+\n\s+problem: /);
    expect(err).toContain('broken on purpose');
    expect(err).toMatch(/● @roku\/plugin-provider-scripted@\S+ {2}dev · isolate\n\s+providers: scripted/);
    expect(err).toMatch(
      /providers: scripted\n\s+limits: 32 MB · 1000 ms CPU per call · \d+ ms CPU per minute · 8 calls at once\n/,
    );
    expect(err).toContain(
      'slots: memory = @roku/plugin-memory-session · context engine = @roku/plugin-context-default',
    );
    // Where memory goes, and that nothing is written there unless the user turns write-back on.
    expect(err).toContain('memory: @roku/plugin-memory-session (Per-session memory: ');
    expect(err).toContain(
      'write-back off: nothing is written there automatically (agent.rememberExchanges: true turns it on)',
    );
    expect(err).toContain(
      'warning: context engine: @test/missing-engine (plugins.contextEngine) is not loaded; using the default @roku/plugin-context-default',
    );
    // A reload is strict: the broken plugin makes it fail, and the old snapshot stays.
    expect(err).toMatch(
      /reload failed, rolled back to snapshot #1: the new plugin snapshot was not applied: @test\/broken@1\.0\.0: .*broken on purpose.* \[ROKU_SNAPSHOT_FAILED\] \(\d+ ms\)/,
    );
    expect(err).toContain('compacted: 4 older messages replaced by one summary; 2 recent ones kept');
    expect(err).toContain('plan mode on');
    expect(err).toContain('plan mode off');
    expect(err).toContain('auto-approve on');
    // Plan mode hides write_file; auto-approve runs it without asking.
    expect(err).toContain(`You said: ${WRITE('plan.txt')}`);
    expect(cli.file('plan.txt')).toBeUndefined();
    expect(cli.file('auto.txt')).toBe('x');
    expect(err).not.toContain('[approval]');
    expect(err).toMatch(/run run-\S+ · session chat-default · succeeded/);
    expect(err).toMatch(/session: chat-\d{8}-\d{6} \(new/);
    expect(err).toContain('session: older (new; created by the first message)');
    expect(err).toMatch(/ID\s+MESSAGES\s+LAST RUN.*\n\s*chat-default\s+\d+\s+succeeded/);
    expect(err).toContain('session older has no messages yet');
    expect(err).toContain('error: unknown command /frobnicate; /help lists the commands');
    // Every run used the model chosen with /model 2, kept by /provider scripted.
    const usage = err.match(/\d+ in · \d+ out · \$\S+ · (\S+) · /g) ?? [];
    expect(usage).toHaveLength(5);
    for (const line of usage) expect(line).toContain('scripted/scripted-small');
    const session = await cli.session('chat-default');
    // Newest first.
    const goals = session?.runs.map((run) => run.goal).sort();
    expect(goals).toEqual(
      [LONG('first'), LONG('second'), LONG('third'), WRITE('plan.txt'), WRITE('auto.txt')].sort(),
    );
    // /compact replaced the first two turns with a summary; the third is kept as it was.
    const contents = session?.messages.map((m) => m.message.content);
    expect(contents).not.toContain(LONG('first'));
    expect(contents).not.toContain(LONG('second'));
    expect(contents).toContain(LONG('third'));
    expect(await cli.session('older')).toBeUndefined();
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

  it('prints a one-line notice when the plugins reload while the chat is open, and /reload reports too', async () => {
    // The failed reloads are expected: no warnings in the test output.
    const setup: AgentSetup = { config: { log: { level: 'error' } } };
    const chunked = agentConfig({
      ...setup,
      settings: { '@roku/plugin-provider-scripted': { chunkChars: 4 } },
    });
    const cli = await inProcessCli(setup);
    const r = await cli.run(['chat'], {
      tty: true,
      converse: async (stdin, stderr) => {
        await waitFor(stderr, 'roku> ');
        // Another terminal edits the config: the chat reloads on its own.
        cli.writeConfig(chunked);
        await waitFor(stderr, '⟳ plugins reloaded: snapshot #2');
        // A config that does not load: the reload fails and the snapshot stays, also for /reload.
        cli.writeConfig('{ not json');
        await waitFor(stderr, '⚠ plugin reload failed');
        stdin.write('/reload\n');
        await waitFor(stderr, 'reload failed, rolled back');
        cli.writeConfig(chunked);
        await waitFor(stderr, '⟳ plugins reloaded: snapshot #3');
        stdin.write('/reload\n');
        await waitFor(stderr, 'reloaded: snapshot #4');
        stdin.write('hello\n');
        await waitFor(stderr, 'You said: hello');
      },
    });
    expect(r.code, r.stderr).toBe(0);
    // Each on a line of its own (prompts aside: without a terminal they end no line).
    const shown = r.stderr.replaceAll('roku> ', '');
    expect(shown).toMatch(/^⟳ plugins reloaded: snapshot #2 \(config change, \d+ ms\)$/m);
    expect(shown).toMatch(
      /^⚠ plugin reload failed, still on snapshot #2: .*config\.json: not valid JSON.*$/m,
    );
    expect(shown).toMatch(
      /^reload failed, rolled back to snapshot #2: .*config\.json: not valid JSON.* \[ROKU_CONFIG_MALFORMED\] \(\d+ ms\)$/m,
    );
    expect(shown).toMatch(/^⟳ plugins reloaded: snapshot #3 \(config change, \d+ ms\)$/m);
    expect(shown).toMatch(/^reloaded: snapshot #4 \(\/reload, \d+ ms\)$/m);
    // The run after them used the reloaded settings: the answer streamed in pieces of 4 characters.
    const runId = /run (run-\S+)/.exec(r.stderr)?.[1];
    const trace = await cli.run(['trace', runId!, '--json']);
    const deltas = lines(trace.stdout)
      .map((l) => JSON.parse(l) as { data: { type: string; text?: string } })
      .filter((l) => l.data.type === 'LlmTextDelta');
    expect(deltas.map((d) => d.data.text)).toEqual(['You ', 'said', ': he', 'llo']);
  });

  it('on a terminal, ctrl-C cancels the active run and returns to the prompt; twice at an empty prompt exits', async () => {
    // `slow` calls echo, then takes ten minutes to answer: the run is still going when ctrl-C arrives.
    const cli = await inProcessCli({
      script: [
        { match: '^slow', toolCalls: [{ name: 'echo', arguments: { text: 'started' } }] },
        { match: '^slow', text: 'too late', delayMs: 600_000 },
      ],
    });
    const r = await cli.run(['chat'], {
      tty: true,
      terminal: true,
      converse: async (stdin, stderr, exited) => {
        await waitFor(stderr, 'roku> ');
        stdin.write('slow\r');
        await waitFor(stderr, '✓ echo');
        stdin.write('\u0003');
        await waitFor(stderr, 'interrupted: ');
        stdin.write('\u0003');
        await waitFor(stderr, 'ctrl-C again or ctrl-D to exit');
        stdin.write('\u0003');
        // The REPL ends on the second ctrl-C, before its input does.
        expect(await exited).toBe(0);
      },
    });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('^C cancelling the run…');
    expect(r.stderr).toContain('interrupted: the run was cancelled');
    expect(r.stderr).toContain('fix: send the goal again');
    expect(r.stderr).not.toContain('too late');
    const session = await cli.session('chat-default');
    expect(session?.runs.map((run) => [run.goal, run.status])).toEqual([['slow', 'interrupted']]);
  });
});
