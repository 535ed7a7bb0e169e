import type { ChatMessage } from '@roku/schemas';
import { describe, expect, it } from 'vitest';
import { createStore } from '../../src/store/index.js';
import { clock, openStore, sessionWithRun, thrown } from './helpers.js';

const user = (content: string): ChatMessage => ({ role: 'user', content });

describe('store sessions', () => {
  it('creates a session once and reports its counts and last run', () => {
    const time = clock();
    const { store } = openStore({ now: time.now });
    const created = store.ensureSession('chat-default');
    expect(created).toEqual({
      id: 'chat-default',
      title: null,
      createdAt: time.now(),
      updatedAt: time.now(),
      messageCount: 0,
      lastRunId: null,
      lastRunStatus: null,
    });
    time.advance(10);
    expect(store.ensureSession('chat-default').createdAt).toBe(created.createdAt);
    store.appendMessages('chat-default', null, [user('a'), user('b')]);
    store.startRun({ id: 'run-1', sessionId: 'chat-default', goal: 'g', ownerPid: process.pid, state: null });
    store.setSessionTitle('chat-default', 'Build fixes');
    expect(store.getSession('chat-default')).toMatchObject({
      title: 'Build fixes',
      messageCount: 2,
      lastRunId: 'run-1',
      lastRunStatus: 'running',
      updatedAt: time.now(),
    });
  });

  it('rejects malformed session ids and reports unknown ones', () => {
    const { store } = openStore();
    expect(thrown(() => store.ensureSession('a/b'))?.code).toBe('ROKU_SESSION_INVALID_ID');
    expect(thrown(() => store.ensureSession(''))?.code).toBe('ROKU_SESSION_INVALID_ID');
    expect(thrown(() => store.ensureSession('x'.repeat(129)))?.code).toBe('ROKU_SESSION_INVALID_ID');
    expect(store.ensureSession('tg:123.main_x-1').id).toBe('tg:123.main_x-1');
    expect(store.getSession('nope')).toBeUndefined();
    expect(store.getSession('../etc')).toBeUndefined();
    expect(
      thrown(() => {
        store.setSessionTitle('nope', 't');
      })?.code,
    ).toBe('ROKU_SESSION_NOT_FOUND');
    expect(thrown(() => store.appendMessages('nope', null, [user('x')]))?.code).toBe(
      'ROKU_SESSION_NOT_FOUND',
    );
    expect(thrown(() => store.listMessages('nope'))?.code).toBe('ROKU_SESSION_NOT_FOUND');
  });

  it('lists sessions most recently updated first, up to the limit', () => {
    const time = clock();
    const { store } = openStore({ now: time.now });
    for (const id of ['s1', 's2', 's3']) {
      store.ensureSession(id);
      time.advance(1);
    }
    store.appendMessages('s1', null, [user('hi')]);
    expect(store.listSessions().map((s) => s.id)).toEqual(['s1', 's3', 's2']);
    expect(store.listSessions({ limit: 2 }).map((s) => s.id)).toEqual(['s1', 's3']);
  });

  it('deletes a session with its messages, runs, events, approvals and trace files', () => {
    const { store, home } = openStore();
    sessionWithRun(store);
    store.appendMessages('chat-default', 'run-1', [user('hi')]);
    store.appendEvent('run-1', { type: 'StepComplete', step: 1, agent_id: 'main', remaining_steps: 3 });
    const trace = store.traceInfo('run-1');
    expect(trace?.bytes).toBeGreaterThan(0);
    store.createApproval(
      {
        id: 'appr-1',
        runId: 'run-1',
        sessionId: 'chat-default',
        toolCallId: 'c1',
        toolName: 'shell',
        arguments: {},
        digest: 'd',
        risk: [],
      },
      { step: 1 },
    );
    expect(store.deleteSession('chat-default')).toBe(true);
    expect(store.getSession('chat-default')).toBeUndefined();
    expect(store.getRun('run-1')).toBeUndefined();
    expect(store.getApproval('appr-1')).toBeUndefined();
    expect(store.listEvents('run-1')).toEqual([]);
    expect(store.traceInfo('run-1')).toBeUndefined();
    expect(store.listRuns()).toEqual([]);
    const reopened = createStore({ file: home.file, traceDir: home.traceDir });
    expect(reopened.listSessions()).toEqual([]);
    reopened.close();
    expect(store.deleteSession('chat-default')).toBe(false);
  });
});

describe('store messages', () => {
  it('round-trips messages exactly, leaving unset optional fields absent', () => {
    const { store } = openStore();
    sessionWithRun(store);
    const messages: ChatMessage[] = [
      { role: 'system', content: 'You are Roku.' },
      user('list files'),
      {
        role: 'assistant',
        content: '',
        toolCalls: [{ id: 'c1', name: 'fs_list', arguments: { path: '.', depth: 1, filter: null } }],
      },
      { role: 'tool', content: '["a","b"]', toolCallId: 'c1', isError: false },
      { role: 'tool', content: 'boom', toolCallId: 'c2', isError: true },
      { role: 'assistant', content: 'Done: ünïcødé ✓', toolCalls: [] },
    ];
    const stored = store.appendMessages('chat-default', 'run-1', messages);
    expect(stored.map((m) => m.message)).toEqual(messages);
    const listed = store.listMessages('chat-default');
    expect(listed).toEqual(stored);
    expect(listed.map((m) => m.seq)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(listed.every((m) => m.runId === 'run-1')).toBe(true);
    for (const [index, m] of listed.entries())
      expect(Object.keys(m.message)).toEqual(Object.keys(messages[index]!));
  });

  it('numbers messages per session from 1 across appends', () => {
    const { store } = openStore();
    store.ensureSession('a');
    store.ensureSession('b');
    store.appendMessages('a', null, [user('1'), user('2')]);
    store.appendMessages('b', null, [user('1')]);
    const more = store.appendMessages('a', null, [user('3')]);
    expect(more.map((m) => m.seq)).toEqual([3]);
    expect(store.listMessages('b').map((m) => m.seq)).toEqual([1]);
    expect(store.appendMessages('a', null, [])).toEqual([]);
    expect(store.appendMessages('a', null, [user('4')])[0]?.seq).toBe(4);
  });

  it('refuses messages for a run that does not exist', () => {
    const { store } = openStore();
    store.ensureSession('a');
    expect(thrown(() => store.appendMessages('a', 'run-x', [user('1')]))?.code).toBe('ROKU_RUN_NOT_FOUND');
    expect(store.listMessages('a')).toEqual([]);
  });
});

describe('store compaction', () => {
  function seeded(count: number) {
    const opened = openStore();
    opened.store.ensureSession('s');
    opened.store.appendMessages(
      's',
      null,
      Array.from({ length: count }, (_, i) => user(`m${i + 1}`)),
    );
    return opened.store;
  }

  it('puts the summary before the kept messages and never reuses a seq', () => {
    const store = seeded(10);
    const summary: ChatMessage = { role: 'system', content: 'Summary of m1-m5' };
    expect(store.compactMessages('s', 6, summary)).toEqual({ discarded: 5, retained: 5 });
    const listed = store.listMessages('s');
    expect(listed.map((m) => m.message.content)).toEqual(['Summary of m1-m5', 'm6', 'm7', 'm8', 'm9', 'm10']);
    expect(listed.map((m) => m.seq)).toEqual([11, 6, 7, 8, 9, 10]);
    expect(listed[0]?.message).toEqual(summary);
    expect(store.getSession('s')?.messageCount).toBe(6);
    expect(store.appendMessages('s', null, [user('m12')])[0]?.seq).toBe(12);
    expect(store.listMessages('s').map((m) => m.message.content)).toEqual([
      'Summary of m1-m5',
      'm6',
      'm7',
      'm8',
      'm9',
      'm10',
      'm12',
    ]);
  });

  it('compacts again in conversation order, folding the earlier summary', () => {
    const store = seeded(10);
    store.compactMessages('s', 6, { role: 'system', content: 'S1' });
    store.appendMessages('s', null, [user('m12'), user('m13')]);
    // keep from m8: S1 (seq 11, placed first), m6 and m7 are before it in the conversation
    expect(store.compactMessages('s', 8, { role: 'system', content: 'S2' })).toEqual({
      discarded: 3,
      retained: 5,
    });
    const listed = store.listMessages('s');
    expect(listed.map((m) => m.message.content)).toEqual(['S2', 'm8', 'm9', 'm10', 'm12', 'm13']);
    expect(listed.map((m) => m.seq)).toEqual([14, 8, 9, 10, 12, 13]);
    // keeping from the first visible message (the summary) discards nothing and adds nothing
    expect(store.compactMessages('s', 14, { role: 'system', content: 'S3' })).toEqual({
      discarded: 0,
      retained: 6,
    });
    expect(store.listMessages('s').map((m) => m.seq)).toEqual([14, 8, 9, 10, 12, 13]);
  });

  it('can hide everything, leaving the summary alone', () => {
    const store = seeded(3);
    expect(store.compactMessages('s', 99, { role: 'system', content: 'all' })).toEqual({
      discarded: 3,
      retained: 0,
    });
    expect(store.listMessages('s').map((m) => [m.seq, m.message.content])).toEqual([[4, 'all']]);
    store.appendMessages('s', null, [user('next')]);
    expect(store.listMessages('s').map((m) => m.message.content)).toEqual(['all', 'next']);
  });

  it('changes nothing when no visible message is before the cut', () => {
    const store = seeded(3);
    expect(store.compactMessages('s', 1, { role: 'system', content: 'x' })).toEqual({
      discarded: 0,
      retained: 3,
    });
    expect(store.listMessages('s').map((m) => m.seq)).toEqual([1, 2, 3]);
    expect(store.appendMessages('s', null, [user('m4')])[0]?.seq).toBe(4);
    expect(thrown(() => store.compactMessages('nope', 1, user('x')))?.code).toBe('ROKU_SESSION_NOT_FOUND');
  });
});
