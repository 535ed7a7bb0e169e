import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { tempDir } from '@roku/test-support';
import type { AgentRuntime, LoopEvent } from '../../src/index.js';
import { PLUGINS, cleanupAll, configFor, inspectorProvider, makeEnv, rawPlugin, runGoal } from './helpers.js';

afterEach(cleanupAll);

const CLEARED = '[Old tool result content cleared]';
const fixtureDir = (name: string): string => join(tempDir('fixture'), name);
const inspector = inspectorProvider(fixtureDir('inspector'));
const base = { devDirs: [inspector, PLUGINS.toolsFs, PLUGINS.echo] };

const echoTurn = (runtime: AgentRuntime, sessionId: string, i: number) =>
  runGoal(runtime, {
    goal: `call ${JSON.stringify({ name: 'echo', arguments: { text: `result number ${i}` } })}`,
    sessionId,
  });

/** What the model received on an `inspect` turn of the session. */
async function inspect(runtime: AgentRuntime, sessionId: string) {
  const { result, events } = await runGoal(runtime, { goal: 'inspect', sessionId });
  expect(result.status).toBe('succeeded');
  const seen = (JSON.parse(result.message) as { messages: { role: string; content: string }[] }).messages;
  return { seen, events };
}

/**
 * The model gets the system prompt, then every stored message in order, tool results but the 3 newest cleared
 * (when the default engine answered: `microcompacted`).
 */
function expectWholeConversation(
  runtime: AgentRuntime,
  sessionId: string,
  seen: { role: string; content: string }[],
  microcompacted = true,
) {
  const stored = runtime.session(sessionId).messages.map((m) => m.message);
  expect(seen[0]?.role).toBe('system');
  // the inspect turn's own answer is stored after the model saw the rest
  expect(stored.at(-1)?.content).toBe(JSON.stringify(JSON.parse(stored.at(-1)?.content ?? 'null')));
  stored.pop();
  const rest = seen.slice(1);
  expect(rest.map((m) => m.role)).toEqual(stored.map((m) => m.role));
  const toolIndexes = stored.flatMap((m, i) => (m.role === 'tool' ? [i] : []));
  const newest = new Set(toolIndexes.slice(-3));
  stored.forEach((m, i) => {
    const cleared = m.role === 'tool' && !newest.has(i);
    if (cleared && !microcompacted) expect([CLEARED, m.content]).toContain(rest[i]?.content);
    else expect(rest[i]?.content).toBe(cleared ? CLEARED : m.content);
  });
  // the stored session keeps every result as it was
  expect(stored.filter((m) => m.role === 'tool').every((m) => m.content.includes('result number'))).toBe(
    true,
  );
}

describe('agent runtime: a long session', () => {
  it('sends the model the whole conversation every turn, also after more sessions than the engine keeps copies of', async () => {
    const env = makeEnv(configFor(base));
    const runtime = await env.open();
    for (let i = 1; i <= 12; i++) {
      const { result, events } = await echoTurn(runtime, 'long', i);
      expect(result.status).toBe('succeeded');
      // the engine's answers to continued requests are all accepted
      expect(events.filter((e) => e.type === 'PluginFallback')).toEqual([]);
    }
    expectWholeConversation(runtime, 'long', (await inspect(runtime, 'long')).seen);
    // More sessions than the runner keeps realms for (16 per plugin): the engine's copy of 'long' goes.
    for (let s = 0; s < 18; s++) await runGoal(runtime, { goal: 'hello', sessionId: `other-${s}` });
    for (let i = 13; i <= 15; i++) await echoTurn(runtime, 'long', i);
    expectWholeConversation(runtime, 'long', (await inspect(runtime, 'long')).seen);
    // A runtime opened again on the same home starts from the stored session.
    await runtime.close();
    const again = await env.open();
    await echoTurn(again, 'long', 16);
    const { seen } = await inspect(again, 'long');
    expectWholeConversation(again, 'long', seen);
    expect(seen.filter((m) => m.role === 'tool').at(-1)?.content).toContain('result number 16');
  });

  it('sends a provider that keeps its requests only what is new, and the provider still sees the whole conversation', async () => {
    const continued = inspectorProvider(fixtureDir('inspector-continued'), { continued: true });
    const env = makeEnv(configFor({ devDirs: [continued, PLUGINS.toolsFs, PLUGINS.echo] }));
    const runtime = await env.open();
    /** The inspect turn: what the provider saw, and how many messages crossed into its sandbox for it. */
    const inspectCrossed = async () => {
      const { result } = await runGoal(runtime, { goal: 'inspect', sessionId: 'cont' });
      expect(result.status).toBe('succeeded');
      return JSON.parse(result.message) as { messages: { role: string; content: string }[]; crossed: number };
    };
    for (let i = 1; i <= 8; i++) expect((await echoTurn(runtime, 'cont', i)).result.status).toBe('succeeded');
    const continuedTurn = await inspectCrossed();
    expectWholeConversation(runtime, 'cont', continuedTurn.messages);
    // only the newest messages crossed (the engine clears old tool results, so a little more than the new turn)
    expect(continuedTurn.crossed).toBeLessThan(continuedTurn.messages.length / 2);
    // the provider's realm loses what it kept: the refused continuation goes again whole, the turn succeeds
    expect((await runGoal(runtime, { goal: 'forget', sessionId: 'cont' })).result.status).toBe('succeeded');
    const afterLoss = await inspectCrossed();
    expectWholeConversation(runtime, 'cont', afterLoss.messages);
    expect(afterLoss.crossed).toBe(afterLoss.messages.length);
    // more sessions than the runner keeps realms for: the next request goes whole, then continues again
    for (let s = 0; s < 18; s++) await runGoal(runtime, { goal: 'hello', sessionId: `other-${s}` });
    await echoTurn(runtime, 'cont', 9);
    const again = await inspectCrossed();
    expectWholeConversation(runtime, 'cont', again.messages);
    expect(again.crossed).toBeLessThan(again.messages.length / 2);
  });

  it('falls back to the default engine when an engine answers a continued request with messages it never had', async () => {
    // Keeps state, then answers every continued request with a `keep` longer than its previous answer.
    const liar = rawPlugin(
      fixtureDir('liar-context'),
      '@test/liar-context',
      { contextEngine: { name: 'liar', description: 'Lies about what it kept.' } },
      `{
        'context:beforeRequest': async (input) => {
          if (input.since === undefined) return { request: input.request, state: 'kept' };
          return { request: { ...input.request, messages: [] }, keep: 100000, state: 'kept' };
        },
      }`,
    );
    const env = makeEnv(
      configFor({ devDirs: [...base.devDirs, liar], plugins: { contextEngine: '@test/liar-context' } }),
    );
    const runtime = await env.open();
    const events: LoopEvent[] = [];
    for (let i = 1; i <= 5; i++) events.push(...(await echoTurn(runtime, 'liar', i)).events);
    const seen = await inspect(runtime, 'liar');
    events.push(...seen.events);
    expect(events.find((e) => e.type === 'PluginFallback')).toMatchObject({
      plugin_id: '@test/liar-context',
      fallback_id: '@roku/plugin-context-default',
    });
    // the liar's own whole answers leave tool results as they are
    expectWholeConversation(runtime, 'liar', seen.seen, false);
  });

  it('sends the whole request again when the engine says it lost what it kept', async () => {
    // Keeps nothing, as an engine whose realm is gone: refuses every continued request.
    const forgetful = rawPlugin(
      fixtureDir('forgetful-context'),
      '@test/forgetful-context',
      { contextEngine: { name: 'forgetful', description: 'Never holds its state.' } },
      `{
        'context:beforeRequest': async (input) => {
          if (input.since !== undefined) {
            throw Object.assign(new Error('no such state here'), { code: 'ROKU_CONTEXT_STATE_LOST' });
          }
          return { request: input.request, state: 'gone' };
        },
      }`,
    );
    const env = makeEnv(
      configFor({
        devDirs: [...base.devDirs, forgetful],
        plugins: { contextEngine: '@test/forgetful-context' },
      }),
    );
    const runtime = await env.open();
    for (let i = 1; i <= 6; i++) {
      const { result, events } = await echoTurn(runtime, 'forgetful', i);
      expect(result.status).toBe('succeeded');
      expect(events.filter((e) => e.type === 'PluginFallback')).toEqual([]);
    }
    expectWholeConversation(runtime, 'forgetful', (await inspect(runtime, 'forgetful')).seen, false);
  });

  it('with memory on, recalls what another process wrote to the session since the last turn here', async () => {
    const env = makeEnv(configFor({ ...base, agent: { rememberExchanges: true } }));
    const here = await env.open();
    for (let i = 1; i <= 3; i++)
      await runGoal(here, { goal: `the code word ${i} is zebra`, sessionId: 'mem' });
    const other = await env.open();
    await runGoal(other, { goal: 'the code word 4 is okapi', sessionId: 'mem' });
    await other.close();
    const { result } = await runGoal(here, { goal: 'inspect the code word', sessionId: 'mem' });
    const seen = (JSON.parse(result.message) as { messages: { role: string; content: string }[] }).messages;
    const block = seen.find((m, i) => i > 0 && m.role === 'system')?.content ?? '';
    expect(block).toContain('Memory (recalled for this request)');
    expect(block).toContain('okapi');
    // the block sits just before this turn's question; the conversation around it is whole
    expect(seen.at(-2)).toEqual({ role: 'system', content: block });
    expect(seen.at(-1)).toEqual({ role: 'user', content: 'inspect the code word' });
  });
});
