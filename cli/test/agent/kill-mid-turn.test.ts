import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openAgentState } from '@roku/host';
import { createHostConfigValidator } from '@roku/schemas';
import { describe, expect, it } from 'vitest';
import { scriptedSettings, tempDir } from '@roku/test-support';
import { writeRawPlugin } from '../support/raw-plugin.js';
import { agentConfig, bin, DEV_PLUGINS } from './helpers.js';

/**
 * `roku chat --pipe --json` in its own process, killed with SIGKILL once the line `until` matches on stdout.
 * Returns the lines printed before the kill.
 */
async function runUntilKilled(
  home: string,
  workspace: string,
  goal: string,
  until: RegExp,
): Promise<string[]> {
  const child = spawn(process.execPath, [bin, 'chat', '--pipe', '--json', '--session-id', 'killed'], {
    cwd: workspace,
    env: { PATH: process.env.PATH ?? '', ROKU_HOME: home },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  child.stdin.end(goal);
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  const exited = new Promise<void>((resolve) =>
    child.on('exit', () => {
      resolve();
    }),
  );
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      if (stdout.split('\n').some((line) => until.test(line))) resolve();
    });
    child.on('exit', (code) => {
      reject(new Error(`roku exited (${String(code)}) before the kill point:\n${stdout}\n${stderr}`));
    });
  });
  child.kill('SIGKILL');
  await exited;
  return stdout.split('\n').filter((l) => l !== '');
}

describe('kill -9 in the middle of a turn (real roku process, real SQLite file)', () => {
  it('loses no acknowledged message, and the trace file matches the events table', async () => {
    const home = tempDir('kill-home');
    const workspace = tempDir('kill-ws');
    // `t` answers at once, except with {"hang":true}: then it never returns, so the kill point is known.
    const plugin = writeRawPlugin(tempDir('kill-plugins'), 'hang', {
      body: `if (input && input.hang) { await new Promise(() => {}); }
return { echoed: input && input.text };`,
      limits: { wallMsPerCall: 60_000 },
    });
    const answer = 'Let me call the tool twice, the second call takes a while.';
    const script = [
      {
        text: answer,
        toolCalls: [
          { name: 't', arguments: { text: 'first' } },
          { name: 't', arguments: { hang: true } },
        ],
      },
    ];
    const scripted = scriptedSettings(script, { strict: false })['@roku/plugin-provider-scripted'] as object;
    writeFileSync(
      join(home, 'config.json'),
      JSON.stringify(
        agentConfig({
          devDirs: [DEV_PLUGINS.scripted, plugin],
          // small chunks: the answer streams as many text deltas
          settings: { '@roku/plugin-provider-scripted': { ...scripted, chunkChars: 4 } },
        }),
      ),
    );

    const printed = await runUntilKilled(
      home,
      workspace,
      'call t twice',
      /"type":"ToolStart".*"args_summary":"\{\\"hang\\":true\}"/,
    );
    const deltas = printed.filter((l) => l.includes('"type":"LlmTextDelta"'));
    expect(deltas.length).toBeGreaterThan(5);

    // What a later roku finds in the state database and the trace folder.
    const config = createHostConfigValidator().validate(
      JSON.parse(readFileSync(join(home, 'config.json'), 'utf8')),
    );
    if (!config.ok) throw new Error(JSON.stringify(config.issues));
    const state = openAgentState({ home, config: config.value });
    try {
      const { messages, runs } = state.session('killed');
      // the owner died: opening the state marks the run interrupted
      expect(runs.map((r) => r.status)).toEqual(['interrupted']);
      const runId = runs[0]?.id ?? '';

      // Acknowledged messages: the user's, the completed assistant message and the first tool result.
      expect(messages.map((m) => m.message.role)).toEqual(['user', 'assistant', 'tool']);
      expect(messages[0]?.message.content).toBe('call t twice');
      expect(messages[1]?.message.content).toBe(answer);
      expect(messages[1]?.message.toolCalls).toHaveLength(2);
      expect(JSON.parse(messages[2]?.message.content ?? '{}')).toEqual({ echoed: 'first' });

      // Events up to the last step boundary (the decision's checkpoint) are committed, text deltas included;
      // later ones may go with the process, but what is there is a prefix of what the run reported.
      const { events, trace } = state.trace(runId);
      const types = events.map((e) => e.type);
      expect(types[0]).toBe('RunStarted');
      expect(types).toContain('LlmDecisionComplete');
      const text = events.map((e) => (e.type === 'LlmTextDelta' ? e.text : '')).join('');
      expect(text).toBe(answer);
      const reported = printed
        .map((l) => JSON.parse(l) as { type: string; data: unknown })
        .filter((l) => l.type === 'event')
        .map((l) => l.data);
      expect(events).toEqual(reported.slice(0, events.length));

      // The trace file holds the same events, line for line, numbered from 1.
      expect(trace?.file).toBeDefined();
      const lines = readFileSync(trace?.file ?? '', 'utf8')
        .trimEnd()
        .split('\n');
      expect(
        lines.map((l) => {
          const { seq, ...rest } = JSON.parse(l) as { ts: number; seq: number };
          const event = Object.fromEntries(Object.entries(rest).filter(([key]) => key !== 'ts'));
          return { seq, event };
        }),
      ).toEqual(events.map((event, i) => ({ seq: i + 1, event })));
    } finally {
      state.close();
    }
  }, 60_000);
});
