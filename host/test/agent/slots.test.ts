import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { createHostConfigValidator } from '@roku/schemas';
import { createAgentRuntime } from '../../src/agent/runtime.js';
import type { AgentRuntime } from '../../src/agent/runtime-types.js';
import type { Env } from './helpers.js';
import {
  PLUGINS,
  afterCleanup,
  cleanupAll,
  configFor,
  inspectorProvider,
  makeEnv,
  rawPlugin,
  runGoal,
} from './helpers.js';

afterEach(cleanupAll);

/** Opens a runtime on `env` whose warnings are kept (as pino JSON lines). */
async function openLogged(env: Env, config: Record<string, unknown>): Promise<[AgentRuntime, string[]]> {
  const checked = createHostConfigValidator().validate(config);
  if (!checked.ok) throw new Error(JSON.stringify(checked.issues));
  const lines: string[] = [];
  const logger = pino({ level: 'warn' }, { write: (line: string) => void lines.push(line) });
  const runtime = await createAgentRuntime({
    config: checked.value,
    home: env.home,
    workspace: env.workspace,
    logger,
    env: {},
  });
  afterCleanup.push(() => runtime.close());
  return [runtime, lines];
}

describe('agent runtime: answers of the memory slot', () => {
  it('drops recalled records that are not records, with a warning, and uses the valid ones', async () => {
    const env = makeEnv(configFor({}));
    const messy = rawPlugin(
      join(env.home, 'fixtures', 'messy-memory'),
      '@test/messy-memory',
      { memorySlot: { name: 'messy', description: 'Recalls some junk too.' } },
      `{
        'memory:recall': async (input) => input.query === '' ? [] : [
          { text: 'the code word is zebra', tags: ['exchange'] },
          { text: 42 },
          'not a record',
          { text: 'bad tags', tags: [1] },
        ],
        'memory:write': async () => null,
      }`,
    );
    const inspector = inspectorProvider(join(env.home, 'fixtures', 'inspector'));
    const [runtime, log] = await openLogged(
      env,
      configFor({ devDirs: [inspector, messy], plugins: { memorySlot: '@test/messy-memory' } }),
    );
    const { result, events } = await runGoal(runtime, { goal: 'inspect the code word' });
    expect(result.status).toBe('succeeded');
    expect(events.some((e) => e.type === 'PluginFallback')).toBe(false);
    const seen = JSON.parse(result.message) as { messages: { role: string; content: string }[] };
    const memory = seen.messages.filter((m) => m.role === 'system')[1]?.content ?? '';
    expect(memory).toContain('zebra');
    expect(memory).not.toContain('bad tags');
    expect(memory.split('\n').filter((l) => l.startsWith('- '))).toHaveLength(1);
    const dropped = log.filter((l) => l.includes('recalled memory record dropped'));
    expect(dropped).toHaveLength(3);
    expect(dropped.join('\n')).toContain('record 1: text must be a string');
    expect(dropped.join('\n')).toContain('record 3: tags must be a list of strings');
  });

  it('falls back to the default memory slot when the owner answers with something that is not a list', async () => {
    const env = makeEnv(configFor({}));
    const broken = rawPlugin(
      join(env.home, 'fixtures', 'broken-memory'),
      '@test/broken-memory',
      { memorySlot: { name: 'broken', description: 'Answers with an object.' } },
      `{
        'memory:recall': async (input) => input.query === '' ? [] : { records: [] },
        'memory:write': async () => null,
      }`,
    );
    const [runtime] = await openLogged(
      env,
      configFor({
        devDirs: [PLUGINS.scripted, broken],
        plugins: { memorySlot: '@test/broken-memory' },
      }),
    );
    const { result, events } = await runGoal(runtime, { goal: 'hello' });
    expect(result.status).toBe('succeeded');
    const fallback = events.find((e) => e.type === 'PluginFallback');
    expect(fallback).toMatchObject({
      slot: 'memory slot',
      plugin_id: '@test/broken-memory',
      fallback_id: '@roku/plugin-memory-session',
    });
    expect(fallback?.type === 'PluginFallback' && fallback.reason).toContain('returned no list of records');
    // the recall goes out before the run is recorded; what it reports still comes after RunStarted
    expect(events.findIndex((e) => e.type === 'RunStarted')).toBe(0);
  });
});

describe('agent runtime: answers of the context engine', () => {
  it('compacts a session through the default engine when the configured one fails on /compact', async () => {
    const env = makeEnv(configFor({}));
    const noCompact = rawPlugin(
      join(env.home, 'fixtures', 'no-compact'),
      '@test/no-compact',
      { contextEngine: { name: 'plain', description: 'Passes requests through; cannot compact.' } },
      `{
        'context:beforeRequest': async (input) => ({ request: input.request }),
        'context:compact': async () => { throw Object.assign(new Error('cannot compact'), { code: 'NOPE' }); },
      }`,
    );
    const [runtime, log] = await openLogged(
      env,
      configFor({
        devDirs: [PLUGINS.scripted, noCompact],
        plugins: { contextEngine: '@test/no-compact' },
      }),
    );
    const filler = ' lorem ipsum dolor sit amet'.repeat(40);
    for (let i = 0; i < 8; i++) await runGoal(runtime, { goal: `message ${i}${filler}`, sessionId: 'cp' });
    const result = await runtime.compactSession('cp');
    expect(result.discarded).toBeGreaterThan(0);
    expect(runtime.session('cp').messages[0]?.message.content).toContain('[Conversation summary]');
    expect(log.join('\n')).toContain('cannot compact');
  });

  it('leaves out, at startup, a context engine whose health-check answer is not a valid request', async () => {
    const env = makeEnv(configFor({}));
    const growing = rawPlugin(
      join(env.home, 'fixtures', 'growing'),
      '@test/growing',
      { contextEngine: { name: 'grow', description: 'Adds a message.' } },
      `{
        'context:beforeRequest': async (input) => ({
          request: { ...input.request, messages: [...input.request.messages, { role: 'user', content: 'more' }] },
        }),
      }`,
    );
    const [runtime] = await openLogged(
      env,
      configFor({ devDirs: [PLUGINS.scripted, growing], plugins: { contextEngine: '@test/growing' } }),
    );
    const info = runtime.snapshotInfo();
    expect(info.contextEngine).toBe('@roku/plugin-context-default');
    const problem = info.plugins.find((p) => p.id === '@test/growing')?.problem ?? '';
    expect(problem).toContain('health check failed');
    expect(problem).toContain('ROKU_SNAPSHOT_FAILED');
  });
});
