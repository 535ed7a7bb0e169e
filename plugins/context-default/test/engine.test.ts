import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestHost } from '@roku/plugin-testing';
import type { TestHost, TestPlugin } from '@roku/plugin-testing';
import type { ChatMessage, ContextInput, ContextReport, ContextResult } from '@roku/plugin-api';
import { estimateTokens } from '../src/estimate.js';

const dir = fileURLToPath(new URL('..', import.meta.url));
const CLEARED = '[Old tool result content cleared]';
let host: TestHost;
let plugin: TestPlugin;

const system: ChatMessage = { role: 'system', content: 'You are a coding agent.' };
const text = (label: string, chars: number): string =>
  `${label} ${'lorem ipsum '.repeat(chars / 12)}`.slice(0, chars);

/** One agent turn: the user asks, the assistant calls a tool, gets its result and answers. */
function turn(n: number, resultChars = 400): ChatMessage[] {
  const id = `call_${n}`;
  return [
    { role: 'user', content: text(`question ${n}`, 300) },
    {
      role: 'assistant',
      content: `Looking at file ${n}.`,
      toolCalls: [{ id, name: 'read_file', arguments: { path: `f${n}.ts` } }],
    },
    { role: 'tool', content: text(`contents of f${n}.ts`, resultChars), toolCallId: id },
    { role: 'assistant', content: text(`answer ${n}`, 300) },
  ];
}

function conversation(turns: number, resultChars = 400): ChatMessage[] {
  return [system, ...Array.from({ length: turns }, (_, n) => turn(n, resultChars)).flat()];
}

function input(
  messages: ChatMessage[],
  contextWindow: number,
  extra: Partial<ContextInput> = {},
): ContextInput {
  return {
    request: { model: 'm', messages, sessionId: 's' },
    contextWindow,
    compactThresholdRatio: 0.75,
    ...extra,
  };
}

async function run(
  op: 'beforeRequest' | 'compact',
  value: ContextInput,
  config?: unknown,
): Promise<ContextResult> {
  return (await plugin.call(`context:${op}`, value, config)) as unknown as ContextResult;
}

/** Estimated tokens after L0 alone (the window is huge, so no other layer runs). */
async function tokensAfterL0(messages: ChatMessage[]): Promise<number> {
  return estimateTokens((await run('beforeRequest', input(messages, 2_000_000))).request.messages);
}

const types = (reports: readonly ContextReport[] | undefined): string[] => (reports ?? []).map((r) => r.type);

/** Invariants of every result: no longer, system messages first, no orphaned tool result, last turn intact. */
function expectValid(before: ChatMessage[], after: readonly ChatMessage[]): void {
  expect(after.length).toBeLessThanOrEqual(before.length);
  const lead = before.findIndex((m) => m.role !== 'system');
  expect(after.slice(0, lead)).toEqual(before.slice(0, lead));
  const called = new Set<string>();
  for (const message of after) {
    for (const call of message.toolCalls ?? []) called.add(call.id);
    if (message.role === 'tool') expect(called.has(message.toolCallId ?? '')).toBe(true);
  }
  const lastUser = before.findLastIndex((m) => m.role === 'user');
  const tail = before.slice(lastUser);
  expect(after.slice(after.length - tail.length).map((m) => [m.role, m.toolCallId, m.toolCalls])).toEqual(
    tail.map((m) => [m.role, m.toolCallId, m.toolCalls]),
  );
  expect(estimateTokens(after)).toBeLessThanOrEqual(estimateTokens(before));
}

beforeAll(async () => {
  host = await createTestHost();
  plugin = await host.load(dir);
});
afterAll(() => host.close());

describe('L0 microcompaction', () => {
  it('clears every tool result but the 3 newest and reports the tokens freed', async () => {
    const messages = conversation(5);
    const { request, reports } = await run('beforeRequest', input(messages, 1_000_000));
    const results = request.messages.filter((m) => m.role === 'tool');
    expect(results.map((m) => m.content === CLEARED)).toEqual([true, true, false, false, false]);
    expect(results.slice(2).map((m) => m.content)).toEqual(
      messages
        .filter((m) => m.role === 'tool')
        .slice(2)
        .map((m) => m.content),
    );
    expect(request.messages).toHaveLength(messages.length);
    expect(results[0]?.toolCallId).toBe('call_0');
    expect(reports).toEqual([
      { type: 'MicrocompactRan', freed_tokens: estimateTokens(messages) - estimateTokens(request.messages) },
    ]);
  });

  it('does not report again for results already cleared, and leaves results shorter than the placeholder', async () => {
    const first = await run('beforeRequest', input(conversation(5), 1_000_000));
    const again = await run('beforeRequest', input([...first.request.messages], 1_000_000));
    expect(again.request.messages).toEqual(first.request.messages);
    expect(again.reports ?? []).toEqual([]);
    const tiny = conversation(5, 4);
    const untouched = await run('beforeRequest', input(tiny, 1_000_000));
    expect(untouched.request.messages).toEqual(tiny);
    expect(untouched.reports ?? []).toEqual([]);
  });

  it('keeps the number of newest results the settings ask for', async () => {
    const { request } = await run('beforeRequest', input(conversation(5), 1_000_000), { keepToolResults: 1 });
    expect(request.messages.filter((m) => m.role === 'tool' && m.content !== CLEARED)).toHaveLength(1);
  });
});

describe('L1 mechanical collapse', () => {
  it('collapses the oldest messages into a summary above 60% of the window, keeping the last 8', async () => {
    const messages = conversation(12);
    const window = Math.ceil((await tokensAfterL0(messages)) / 0.7);
    const { request, reports } = await run('beforeRequest', input(messages, window));
    expect(types(reports)).toEqual(['MicrocompactRan', 'MidCompactLayer1Ran']);
    const out = request.messages;
    expect(out[0]).toEqual(system);
    expect(out[1]?.role).toBe('user');
    expect(out[1]?.content.startsWith('[Conversation summary]\n')).toBe(true);
    expect(out.slice(2)).toEqual(messages.slice(-8));
    const collapsed = (reports ?? []).find((r) => r.type === 'MidCompactLayer1Ran');
    expect(collapsed).toEqual({ type: 'MidCompactLayer1Ran', messages_collapsed: messages.length - 1 - 8 });
    expect(estimateTokens(out)).toBeLessThanOrEqual(0.6 * window);
    expectValid(messages, out);
  });

  it('writes one summary line per message with tool names and result lengths', async () => {
    const messages = conversation(12);
    const window = Math.ceil((await tokensAfterL0(messages)) / 0.7);
    const { request } = await run('beforeRequest', input(messages, window));
    const lines = (request.messages[1]?.content ?? '').split('\n').slice(1);
    expect(lines).toHaveLength(messages.length - 1 - 8);
    expect(lines[0]).toMatch(/^- user: question 0 lorem ipsum/);
    expect(lines[1]).toBe('- assistant: Looking at file 0. [called: read_file]');
    expect(lines[2]).toBe('- tool read_file: result cleared');
    expect(lines).toContain('- tool read_file: result cleared');
  });

  it('never starts the kept tail with a tool result', async () => {
    // A tail of 9 would start at the result of call_4: the tail grows back to the assistant message that called.
    const messages = [...conversation(6), ...turn(6).slice(0, 3)];
    const window = Math.ceil((await tokensAfterL0(messages)) / 0.65);
    const { request } = await run('beforeRequest', input(messages, window), { tailMessages: 9 });
    expect(request.messages[2]).toEqual(messages[messages.length - 10]);
    expect(request.messages[2]?.toolCalls?.[0]?.id).toBe('call_4');
    expectValid(messages, request.messages);
  });

  it('keeps fewer than 8 messages when needed, but always the last user message and what follows', async () => {
    const messages: ChatMessage[] = [
      system,
      ...conversation(6).slice(1),
      { role: 'user', content: text('big paste', 20_000) },
      { role: 'assistant', content: '', toolCalls: [{ id: 'x1', name: 'grep', arguments: { q: 'a' } }] },
      { role: 'tool', content: text('grep output', 2000), toolCallId: 'x1' },
    ];
    // The window leaves room for the last turn and a summary, not for 8 messages.
    const window = Math.ceil((estimateTokens([system, ...messages.slice(-3)]) + 800) / 0.6);
    expect(await tokensAfterL0(messages)).toBeGreaterThan(0.6 * window);
    const { request, reports } = await run('beforeRequest', input(messages, window));
    expect(types(reports)).toContain('MidCompactLayer1Ran');
    expect(request.messages.slice(-3)).toEqual(messages.slice(-3));
    expect(request.messages.length).toBeLessThan(1 + 1 + 8);
    expectValid(messages, request.messages);
  });
});

describe('full compaction', () => {
  it('above the compact threshold keeps only the last user message and what follows it', async () => {
    const messages = [...conversation(10), ...turn(10).slice(0, 3)];
    const window = Math.ceil((await tokensAfterL0(messages)) / 0.9);
    // midWaterRatio 1 keeps L1 out of the way: only the high-water step runs.
    const { request, reports } = await run(
      'beforeRequest',
      input(messages, window, { compactThresholdRatio: 0.5 }),
      {
        midWaterRatio: 1,
      },
    );
    expect(reports).toContainEqual({ type: 'CompactComplete', llm_succeeded: false, messages_removed: 39 });
    expect(types(reports)).not.toContain('MidCompactLayer1Ran');
    const out = request.messages;
    expect(out).toHaveLength(5);
    expect(out[0]).toEqual(system);
    expect(out[1]?.content.startsWith('[Conversation summary]\n')).toBe(true);
    expect(out.slice(2)).toEqual(messages.slice(-3));
    expectValid(messages, out);
  });

  it('compact collapses regardless of pressure and shrinks the request', async () => {
    const messages = conversation(4);
    const { request, reports } = await run('compact', input(messages, 2_000_000));
    expect(request.messages.length).toBeLessThan(messages.length);
    expect(request.messages.slice(-4)).toEqual(messages.slice(-4));
    expect(types(reports)).toContain('CompactComplete');
    expect(estimateTokens(request.messages)).toBeLessThan(estimateTokens(messages));
    expectValid(messages, request.messages);
  });

  it('carries the lines of an earlier summary into the next one', async () => {
    const first = await run('compact', input(conversation(3), 2_000_000));
    const next = [...first.request.messages, ...turn(7)];
    const second = await run('compact', input(next, 2_000_000));
    const summary = second.request.messages[1]?.content ?? '';
    expect(summary.match(/\[Conversation summary\]/g)).toHaveLength(1);
    expect(summary).toContain('- user: question 0');
    expect(summary).toContain('- user: question 2');
    expect(second.request.messages.slice(2)).toEqual(turn(7));
  });

  it('keeps every result valid over many random conversations and windows', async () => {
    let seed = 42;
    const random = (): number => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    let shortened = 0;
    for (let round = 0; round < 40; round++) {
      const messages: ChatMessage[] = random() < 0.5 ? [system] : [];
      let calls = 0;
      const count = 1 + Math.floor(random() * 40);
      for (let i = 0; i < count; i++) {
        const r = random();
        if (r < 0.35) messages.push({ role: 'user', content: text('u', 10 + Math.floor(random() * 3000)) });
        else if (r < 0.6)
          messages.push({ role: 'assistant', content: text('a', Math.floor(random() * 2000)) });
        else {
          const n = 1 + Math.floor(random() * 3);
          const ids = Array.from({ length: n }, () => `c${calls++}`);
          messages.push({
            role: 'assistant',
            content: '',
            toolCalls: ids.map((id) => ({
              id,
              name: 'tool',
              arguments: { q: text('q', Math.floor(random() * 500)) },
            })),
          });
          for (const id of ids) {
            messages.push({
              role: 'tool',
              content: `{"data":"${'x'.repeat(Math.floor(random() * 4000))}"}`,
              toolCallId: id,
            });
          }
        }
      }
      const window = 1024 + Math.floor(random() * estimateTokens(messages) * 1.5);
      const op = random() < 0.3 ? 'compact' : 'beforeRequest';
      const { request } = await run(op, input(messages, window));
      expectValid(messages, request.messages);
      if (request.messages.length < messages.length) shortened += 1;
    }
    expect(shortened).toBeGreaterThan(10);
  });

  it('compacts a long session of 3000 messages within its limits', async () => {
    const messages = conversation(750, 2000);
    const { request, reports } = await run('beforeRequest', input(messages, 200_000));
    expect(types(reports)).toEqual(['MicrocompactRan', 'MidCompactLayer1Ran']);
    expect(estimateTokens(request.messages)).toBeLessThanOrEqual(120_000);
    expectValid(messages, request.messages);
  });
});

describe('bad input', () => {
  it('is refused with a clear code', async () => {
    await expect(plugin.call('context:beforeRequest', { contextWindow: 1000 })).rejects.toMatchObject({
      details: { pluginCode: 'ROKU_COMPACTION_BAD_INPUT' },
    });
  });
});

describe('incremental calls', () => {
  it('answers a whole request with a state naming what it kept of the session', async () => {
    const result = await run('beforeRequest', input(conversation(3), 2_000_000));
    expect(result.state).toEqual(expect.any(String));
    expect(result.keep).toBeUndefined();
  });

  it('refuses a continued request in a realm that does not hold its state, so the host sends the whole one', async () => {
    // The test host runs every call in a fresh realm, as the runner does once a session's realm is gone.
    const { state } = await run('beforeRequest', input(conversation(3), 2_000_000));
    const more = turn(3);
    await expect(
      run('beforeRequest', input(more, 2_000_000, { since: { state: state ?? '', count: 13 } })),
    ).rejects.toMatchObject({ details: { pluginCode: 'ROKU_CONTEXT_STATE_LOST' } });
  });
});

describe('calibration', () => {
  /** A call in the session's realm (kept between calls, as the runner does for a session's calls). */
  const inRealm = async (value: ContextInput, session: string): Promise<ContextResult> =>
    (await plugin.sandbox.call('context:beforeRequest', value, { session })) as unknown as ContextResult;

  it('scales estimates by what the provider reported, kept for the session across realms', async () => {
    const messages = conversation(3);
    const estimated = estimateTokens(messages);
    // Half the window: under mid water (60 %) as estimated, over it at twice the estimate.
    const window = estimated * 2;
    const at = (runId: string, reportedPromptTokens?: number): Partial<ContextInput> => ({
      sessionId: 'calibrated',
      runId,
      ...(reportedPromptTokens === undefined ? {} : { reportedPromptTokens }),
    });
    const first = await inRealm(input(messages, window, at('r1')), 'calibrated');
    expect(types(first.reports)).toEqual([]);
    // The provider counted twice the estimate for the request the engine returned.
    const second = await inRealm(input(messages, window, at('r1', estimated * 2)), 'calibrated');
    expect(types(second.reports)).toContain('MidCompactLayer1Ran');
    expect(second.request.messages.length).toBeLessThan(messages.length);
    // Another realm (a session's realm let go, or another process on the same ROKU_HOME) reads the stored
    // calibration: the same request in a new run is compacted too, where an uncalibrated session's is not.
    const later = await run('beforeRequest', input(messages, window, at('r2')));
    expect(types(later.reports)).toContain('MidCompactLayer1Ran');
    const other = await run(
      'beforeRequest',
      input(messages, window, { sessionId: 'uncalibrated', runId: 'r2' }),
    );
    expect(types(other.reports)).toEqual([]);
  });

  it('takes a sample after a request far under the marks, and keeps it for the session', async () => {
    const messages = conversation(3);
    const estimated = estimateTokens(messages);
    const at = (runId: string, reportedPromptTokens?: number): Partial<ContextInput> => ({
      sessionId: 'far-under',
      runId,
      ...(reportedPromptTokens === undefined ? {} : { reportedPromptTokens }),
    });
    // A window so large that no scale reaches a mark: answered as it is.
    const first = await inRealm(input(messages, estimated * 100, at('r1')), 'far-under');
    expect(types(first.reports)).toEqual([]);
    expect(first.request.messages).toHaveLength(messages.length);
    // The provider counted twice the estimate for that request: the next one, in a smaller window, is compacted.
    const second = await inRealm(input(messages, estimated * 2, at('r1', estimated * 2)), 'far-under');
    expect(types(second.reports)).toContain('MidCompactLayer1Ran');
    const later = await run('beforeRequest', input(messages, estimated * 2, at('r2')));
    expect(types(later.reports)).toContain('MidCompactLayer1Ran');
  });
});
