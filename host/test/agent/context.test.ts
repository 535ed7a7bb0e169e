import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { tempDir } from '@roku/test-support';
import { signalPluginChange } from '../../src/install/index.js';
import { PLUGINS, cleanupAll, configFor, inspectorProvider, makeEnv, rawPlugin, runGoal } from './helpers.js';
import { watchReloads } from './reloads.js';

afterEach(cleanupAll);

const fixtureDir = (name: string): string => join(tempDir('fixture'), name);

interface Inspection {
  tools: string[];
  toolsJson: string;
  messages: { role: string; content: string }[];
}

describe('agent runtime: what the model receives', () => {
  const inspector = inspectorProvider(fixtureDir('inspector'));
  const base = { devDirs: [inspector, PLUGINS.toolsFs, PLUGINS.echo] };

  it('sends byte-identical tool definitions every turn until plan mode changes them', async () => {
    const env = makeEnv(configFor(base));
    const runtime = await env.open();
    const inspect = async (planMode = false): Promise<Inspection> =>
      JSON.parse(
        (await runGoal(runtime, { goal: 'inspect', sessionId: 'cache', planMode })).result.message,
      ) as Inspection;
    const first = await inspect();
    const second = await inspect();
    expect(second.toolsJson).toBe(first.toolsJson);
    expect(first.tools).toEqual(expect.arrayContaining(['echo', 'write_file', 'read_file', 'final_answer']));
    const plan = await inspect(true);
    expect(plan.toolsJson).not.toBe(first.toolsJson);
    expect(plan.tools).not.toContain('write_file');
    expect(plan.tools).toContain('read_file');
    expect(plan.messages[0]?.content).toContain('Plan mode is on');
  });

  it('clears tool results older than the three newest before each request (microcompaction)', async () => {
    const env = makeEnv(configFor(base));
    const runtime = await env.open();
    for (let i = 1; i <= 5; i++) {
      const { result } = await runGoal(runtime, {
        goal: `call ${JSON.stringify({ name: 'echo', arguments: { text: `result number ${i}` } })}`,
        sessionId: 'mc',
      });
      expect(result.message).toContain(`result number ${i}`);
    }
    const { result, events } = await runGoal(runtime, { goal: 'inspect', sessionId: 'mc' });
    const seen = (JSON.parse(result.message) as Inspection).messages.filter((m) => m.role === 'tool');
    expect(seen.map((m) => m.content.includes('result number'))).toEqual([false, false, true, true, true]);
    expect(seen[0]?.content).toBe('[Old tool result content cleared]');
    expect(events.some((e) => e.type === 'MicrocompactRan' && e.freed_tokens > 0)).toBe(true);
    // The stored session keeps every result; only the request was compacted.
    const stored = runtime.session('mc').messages.filter((m) => m.message.role === 'tool');
    expect(stored.every((m) => m.message.content.includes('result number'))).toBe(true);
  });

  it('cuts a tool result over agent.toolResultMaxChars with a marker', async () => {
    const env = makeEnv(configFor({ ...base, agent: { toolResultMaxChars: 300 } }));
    const runtime = await env.open();
    await runGoal(runtime, {
      goal: `call ${JSON.stringify({ name: 'echo', arguments: { text: 'y'.repeat(2000) } })}`,
      sessionId: 'cap',
    });
    const tool = runtime.session('cap').messages.find((m) => m.message.role === 'tool');
    expect(tool?.message.content).toContain('[truncated: 300 of');
    expect(tool?.message.content.length).toBeLessThan(400);
  });

  it('falls back to the default context engine when the configured one fails, and says so', async () => {
    const bad = rawPlugin(
      fixtureDir('bad-context'),
      '@test/bad-context',
      { contextEngine: { name: 'bad', description: 'Always fails.' } },
      `{
        'context:beforeRequest': async (input) => {
          if (input.request.model === 'probe') return { request: input.request };
          throw Object.assign(new Error('engine exploded'), { code: 'BOOM' });
        },
      }`,
    );
    const env = makeEnv(
      configFor({ devDirs: [...base.devDirs, bad], plugins: { contextEngine: '@test/bad-context' } }),
    );
    const runtime = await env.open();
    expect(runtime.snapshotInfo().contextEngine).toBe('@test/bad-context');
    const { result, events } = await runGoal(runtime, { goal: 'hello' });
    expect(result.status).toBe('succeeded');
    const fallback = events.find((e) => e.type === 'PluginFallback');
    expect(fallback).toMatchObject({
      plugin_id: '@test/bad-context',
      fallback_id: '@roku/plugin-context-default',
    });
    expect(fallback?.type === 'PluginFallback' && fallback.reason).toContain('engine exploded');
  });

  it('gives a plugin granted capabilities.llm the agent router, and refuses it without the grant', async () => {
    const asker = (id: string, grant: boolean): string =>
      rawPlugin(
        fixtureDir(id.replace('@test/', '')),
        id,
        {
          tools: [
            {
              name: grant ? 'ask_model' : 'ask_model_denied',
              description: 'Asks the model.',
              inputSchema: { type: 'object', properties: { q: { type: 'string' } }, required: ['q'] },
              risk: ['read'],
            },
          ],
        },
        `{
          'tool:${grant ? 'ask_model' : 'ask_model_denied'}': async (input, config, cap) => {
            const { response } = await cap('llm.chat', { request: { messages: [{ role: 'user', content: input.q }] } });
            return { answer: response.message.content };
          },
        }`,
        grant ? { capabilities: { llm: true } } : {},
      );
    const env = makeEnv(
      configFor({ devDirs: [...base.devDirs, asker('@test/asker', true), asker('@test/asker2', false)] }),
    );
    const runtime = await env.open();
    const ok = await runGoal(runtime, {
      goal: `call ${JSON.stringify({ name: 'ask_model', arguments: { q: 'ping' } })}`,
    });
    expect(ok.result.message).toContain('echo: ping');
    const denied = await runGoal(runtime, {
      goal: `call ${JSON.stringify({ name: 'ask_model_denied', arguments: { q: 'ping' } })}`,
    });
    expect(denied.result.message).toContain('capabilities.llm is not granted');
  });
});

describe('agent runtime: sub-agents', () => {
  it('refuses nested sub-agents and cuts long sub-agent answers to 4000 characters', async () => {
    const env = makeEnv(
      configFor({
        script: [
          { match: '^parent', toolCalls: [{ name: 'Agent', arguments: { task: 'child: nest' } }] },
          { match: '^parent', toolCalls: [{ name: 'Agent', arguments: { task: 'child: long' } }] },
          { match: '^parent', text: 'parent done' },
          { match: '^child: nest', toolCalls: [{ name: 'Agent', arguments: { task: 'grandchild' } }] },
          { match: '^child: nest', text: 'nested refused' },
          { match: '^child: long', text: 'z'.repeat(5000) },
        ],
      }),
    );
    const runtime = await env.open();
    const { result, events } = await runGoal(runtime, { goal: 'parent goal', sessionId: 'sub' });
    expect(result.status).toBe('succeeded');
    const nested = events.find(
      (e) => e.type === 'ToolEnd' && e.agent_id !== 'main' && e.tool_name === 'Agent',
    );
    expect(nested).toMatchObject({ is_error: true });
    const results = runtime.session('sub').messages.filter((m) => m.message.role === 'tool');
    expect(results[0]?.message.content).toBe('nested refused');
    const long = results[1]?.message.content ?? '';
    expect(long).toBe(`${'z'.repeat(4000)}...\n[Sub-agent response truncated to 4000 chars]`);
  });
});

describe('agent runtime: supervision', () => {
  it('quarantines a context engine that keeps timing out and falls its slot back to the default', async () => {
    const spinner = rawPlugin(
      fixtureDir('spinner'),
      '@test/spinner',
      { contextEngine: { name: 'spin', description: 'Spins forever.' } },
      `{
        'context:beforeRequest': async (input) => {
          if (input.request.model === 'probe') return { request: input.request };
          for (;;) {}
        },
      }`,
    );
    const { writeFileSync, readFileSync } = await import('node:fs');
    const manifestFile = join(spinner, 'roku.plugin.json');
    const manifest = JSON.parse(readFileSync(manifestFile, 'utf8')) as Record<string, unknown>;
    writeFileSync(
      manifestFile,
      JSON.stringify({ ...manifest, limits: { cpuMsPerCall: 50, wallMsPerCall: 1000 } }),
    );
    const env = makeEnv(
      configFor({
        devDirs: [PLUGINS.scripted, PLUGINS.echo, spinner],
        plugins: { contextEngine: '@test/spinner' },
      }),
    );
    const runtime = await env.open();
    const reloads = await watchReloads(runtime);
    for (let i = 0; i < 3; i++) {
      const { result, events } = await runGoal(runtime, { goal: `hello ${i}` });
      expect(result.status).toBe('succeeded');
      expect(events.some((e) => e.type === 'PluginFallback')).toBe(true);
    }
    const reload = await reloads.until((r) => r.snapshot.contextEngine === '@roku/plugin-context-default');
    const info = runtime.snapshotInfo();
    expect(info.contextEngine).toBe('@roku/plugin-context-default');
    expect(info.warnings.join('\n')).toContain('@test/spinner is quarantined');
    expect(reload.reason).toContain('quarantine of @test/spinner');
    const after = await runGoal(runtime, { goal: 'still fine' });
    expect(after.events.some((e) => e.type === 'PluginFallback')).toBe(false);
    await runtime.close();

    // The quarantine outlives a restart, until the plugin is enabled again.
    const restarted = await env.open();
    expect(restarted.snapshotInfo().contextEngine).toBe('@roku/plugin-context-default');
    expect(restarted.store.listPluginStates().find((p) => p.id === '@test/spinner')?.status).toBe(
      'quarantined',
    );
    await restarted.close();
    await signalPluginChange(env.home, { kind: 'enable', ids: ['@test/spinner'] });
    const released = await env.open();
    expect(released.snapshotInfo().contextEngine).toBe('@test/spinner');
  });
});

describe('agent runtime: deferred tools', () => {
  it('hides tools behind tool_search when definitions are large, and keeps found ones for the session', async () => {
    const inspector = inspectorProvider(fixtureDir('inspector-deferred'));
    const env = makeEnv(
      configFor({ devDirs: [inspector, PLUGINS.toolsFs, PLUGINS.echo], agent: { deferToolsAboveTokens: 1 } }),
    );
    const runtime = await env.open();
    const inspect = async (): Promise<Inspection> =>
      JSON.parse(
        (await runGoal(runtime, { goal: 'inspect', sessionId: 'defer' })).result.message,
      ) as Inspection;
    const before = await inspect();
    expect(before.tools).toContain('tool_search');
    expect(before.tools).not.toContain('word_count');
    const search = await runGoal(runtime, {
      goal: `call ${JSON.stringify({ name: 'tool_search', arguments: { query: 'count words' } })}`,
      sessionId: 'defer',
    });
    expect(search.result.message).toContain('word_count');
    const after = await inspect();
    expect(after.tools).toContain('word_count');
    const again = await inspect();
    expect(again.toolsJson).toBe(after.toolsJson);
  });
});

describe('agent runtime: /compact', () => {
  it('replaces older messages of a session with one summary and keeps the recent ones', async () => {
    const env = makeEnv(configFor({}));
    const runtime = await env.open();
    // Long messages: a summary of them is shorter than they are (the engine only collapses when it helps).
    const filler = ' lorem ipsum dolor sit amet'.repeat(40);
    for (let i = 0; i < 8; i++)
      await runGoal(runtime, { goal: `message number ${i}${filler}`, sessionId: 'cp' });
    const before = runtime.session('cp').messages.length;
    const result = await runtime.compactSession('cp');
    expect(result.discarded).toBeGreaterThan(0);
    const after = runtime.session('cp').messages;
    expect(after.length).toBeLessThan(before);
    expect(after[0]?.message.content).toContain('[Conversation summary]');
    expect(after.at(-1)?.message.content).toBe(`You said: message number 7${filler}`);
    const next = await runGoal(runtime, { goal: 'after compaction', sessionId: 'cp' });
    expect(next.result.status).toBe('succeeded');
  });
});

describe('agent runtime: session memory', () => {
  it('with write-back on, recalls earlier exchanges of the session just before the new message, and keeps the system prompt fixed', async () => {
    const inspector = inspectorProvider(fixtureDir('inspector-memory'));
    const env = makeEnv(
      configFor({ devDirs: [inspector, PLUGINS.echo], agent: { rememberExchanges: true } }),
    );
    const runtime = await env.open();
    await runGoal(runtime, { goal: 'the code word is zebra', sessionId: 'mem' });
    await runGoal(runtime, { goal: 'something else entirely', sessionId: 'other' });
    const first = JSON.parse(
      (await runGoal(runtime, { goal: 'inspect', sessionId: 'mem' })).result.message,
    ) as Inspection;
    // 'inspect' shares no word with the earlier exchange: no memory block.
    expect(first.messages.filter((m) => m.role === 'system')).toHaveLength(1);
    const { result } = await runGoal(runtime, { goal: 'what was the code word', sessionId: 'mem' });
    expect(result.message).toBe('echo: what was the code word');
    const seen = runtime.trace(result.runId).events.filter((e) => e.type === 'LlmDecisionComplete');
    expect(seen).toHaveLength(1);
    const inspectAgain = JSON.parse(
      (await runGoal(runtime, { goal: 'inspect the code word', sessionId: 'mem' })).result.message,
    ) as Inspection;
    const systems = inspectAgain.messages.filter((m) => m.role === 'system');
    expect(systems[0]?.content).toBe(first.messages[0]?.content);
    expect(systems[1]?.content).toContain('Memory (recalled for this request)');
    expect(systems[1]?.content).toContain('zebra');
    expect(systems[1]?.content).not.toContain('something else entirely');
    expect(inspectAgain.messages.at(-1)).toEqual({ role: 'user', content: 'inspect the code word' });
  });
});

it('writes nothing to the memory slot by default (agent.rememberExchanges is off)', async () => {
  const inspector = inspectorProvider(fixtureDir('inspector-nomem'));
  const env = makeEnv(configFor({ devDirs: [inspector, PLUGINS.echo] }));
  const runtime = await env.open();
  await runGoal(runtime, { goal: 'the code word is zebra', sessionId: 'nomem' });
  const seen = JSON.parse(
    (await runGoal(runtime, { goal: 'inspect the code word', sessionId: 'nomem' })).result.message,
  ) as Inspection;
  expect(seen.messages.filter((m) => m.role === 'system')).toHaveLength(1);
});
