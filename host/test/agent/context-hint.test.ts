import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { createHostConfigValidator } from '@roku/schemas';
import { tempDir } from '@roku/test-support';
import { createAgentRuntime } from '../../src/agent/runtime.js';
import type { AgentRuntime } from '../../src/agent/runtime-types.js';
import { observeSandboxCalls } from '../../src/index.js';
import { cleanupAll, configFor, makeEnv, rawPlugin, runGoal } from './helpers.js';

afterEach(cleanupAll);

const fixtureDir = (name: string): string => join(tempDir('fixture'), name);

/** A model with a 20,000-token window: `inspect` answers with the messages it received, anything else is echoed. */
function smallModel(): string {
  return rawPlugin(
    fixtureDir('small-model'),
    '@test/small-model',
    {
      providers: [
        {
          name: 'small',
          description: 'Echoes, or tells what it received.',
          models: [{ id: 'small-1', contextWindow: 20000 }],
        },
      ],
    },
    `{
      'provider:small:chat': async (call) => {
        const msgs = call.messages;
        const user = [...msgs].reverse().find((m) => m.role === 'user')?.content ?? '';
        const content = user === 'inspect'
          ? JSON.stringify(msgs.map((m) => ({ role: m.role, content: m.content })))
          : 'echo: ' + user.slice(0, 20);
        return { message: { role: 'assistant', content }, finishReason: 'stop', usage: { inputTokens: 10, outputTokens: 5 } };
      },
    }`,
  );
}

/** Runs a goal in session `s`, counting the context engine's beforeRequest calls it made. */
async function turn(
  runtime: AgentRuntime,
  goal: string,
): Promise<{ calls: number; message: string; status: string }> {
  let calls = 0;
  const { result } = await observeSandboxCalls(
    (call) => {
      if (call.op === 'context:beforeRequest') calls += 1;
    },
    () => runGoal(runtime, { goal, sessionId: 's' }),
  );
  return { calls, message: result.message, status: result.status };
}

describe('context engine hints: the host skips the engine while its answer would not change', () => {
  it('skips the default engine under its marks, and calls it again once the request outgrows its hint', async () => {
    const env = makeEnv(configFor({ devDirs: [smallModel()] }));
    const runtime = await env.open();
    expect(runtime.snapshotInfo().contextEngine).toBe('@roku/plugin-context-default');
    expect((await turn(runtime, 'hello')).calls).toBe(1);
    expect((await turn(runtime, 'again')).calls).toBe(0);
    // what the model gets on a skipped call is the whole conversation, as the engine would have returned it
    const inspected = await turn(runtime, 'inspect');
    expect(inspected.calls).toBe(0);
    const seen = JSON.parse(inspected.message) as { role: string; content: string }[];
    expect(seen.filter((m) => m.role === 'user').map((m) => m.content)).toEqual([
      'hello',
      'again',
      'inspect',
    ]);
    // ~4,000 tokens of prose: more than the hint allows (its marks are ~12,000 tokens, counted 4× over)
    expect((await turn(runtime, `long ${'the quick brown fox '.repeat(800)}`)).calls).toBe(1);
    expect((await turn(runtime, 'short again')).calls).toBe(0);
    // a new runtime (a plugin reload, a new snapshot) starts without the hint
    const reopened = await env.open();
    expect((await turn(reopened, 'after reopening')).calls).toBe(1);
  });

  it("honours an engine's bound on added messages, and calls an engine that sends no hint every time", async () => {
    const engine = (id: string, hint: string): string =>
      rawPlugin(
        fixtureDir(id.replace('@test/', '')),
        id,
        { contextEngine: { name: 'hinting', description: 'Returns the request unchanged.' } },
        `{ 'context:beforeRequest': async (input) => ({ request: input.request${hint} }) }`,
      );
    const hinting = makeEnv(
      configFor({
        devDirs: [smallModel(), engine('@test/hinting', ', hint: { addedTokens: 100000, addedMessages: 3 }')],
        plugins: { contextEngine: '@test/hinting' },
      }),
    );
    const runtime = await hinting.open();
    // each turn adds the answer and the next question: the third turn has added 4 messages since the call
    const counts = [];
    for (const goal of ['one', 'two', 'three', 'four']) counts.push((await turn(runtime, goal)).calls);
    expect(counts).toEqual([1, 0, 1, 0]);

    const silent = makeEnv(
      configFor({
        devDirs: [smallModel(), engine('@test/silent', '')],
        plugins: { contextEngine: '@test/silent' },
      }),
    );
    const plain = await silent.open();
    const plainCounts = [];
    for (const goal of ['one', 'two', 'three']) plainCounts.push((await turn(plain, goal)).calls);
    expect(plainCounts).toEqual([1, 1, 1]);
  });

  it('ignores a malformed hint with a warning naming the plugin, and keeps calling the engine', async () => {
    const bad = rawPlugin(
      fixtureDir('bad-hint'),
      '@test/bad-hint',
      { contextEngine: { name: 'bad-hint', description: 'Sends a malformed hint.' } },
      `{ 'context:beforeRequest': async (input) => ({ request: input.request, hint: { addedTokens: 'lots' } }) }`,
    );
    const env = makeEnv(
      configFor({ devDirs: [smallModel(), bad], plugins: { contextEngine: '@test/bad-hint' } }),
    );
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    const config = createHostConfigValidator().validate(JSON.parse(readFileSync(env.configFile, 'utf8')));
    if (!config.ok) throw new Error(JSON.stringify(config.issues));
    const runtime = await createAgentRuntime({
      config: config.value,
      configFile: env.configFile,
      home: env.home,
      workspace: env.workspace,
      logger: pino({ level: 'warn' }, sink),
      env: {},
    });
    try {
      for (const goal of ['one', 'two']) {
        const { calls, status } = await turn(runtime, goal);
        expect(status).toBe('succeeded');
        expect(calls).toBe(1);
      }
    } finally {
      await runtime.close();
    }
    const warning = lines
      .map((l) => JSON.parse(l) as { msg?: string; pluginId?: string; problem?: string })
      .find((l) => l.msg === 'context engine answer: part ignored');
    expect(warning).toMatchObject({ pluginId: '@test/bad-hint' });
    expect(warning?.problem).toContain('hint ignored');
  });
});
