import { describe, expect, it } from 'vitest';
import type { ChatMessage } from '@roku/schemas';
import { openStore, sessionWithRun } from './helpers.js';

const user = (content: string): ChatMessage => ({ role: 'user', content });
const contents = (messages: readonly { message: ChatMessage }[]): string[] =>
  messages.map((m) => m.message.content);

describe('listing messages across processes (in-memory copy of a session)', () => {
  it('sees what another process appends, compacts and deletes, and what this one appends', () => {
    const { store, home } = openStore();
    sessionWithRun(store);
    const other = openStore({}, home).store;
    store.appendMessages('chat-default', 'run-1', [user('one'), user('two')]);
    expect(contents(store.listMessages('chat-default'))).toEqual(['one', 'two']);

    other.appendMessages('chat-default', null, [user('three')]);
    expect(contents(store.listMessages('chat-default'))).toEqual(['one', 'two', 'three']);
    store.appendMessages('chat-default', 'run-1', [user('four')]);
    expect(contents(store.listMessages('chat-default'))).toEqual(['one', 'two', 'three', 'four']);
    expect(contents(other.listMessages('chat-default'))).toEqual(['one', 'two', 'three', 'four']);

    other.compactMessages('chat-default', 3, { role: 'system', content: 'summary' });
    expect(contents(store.listMessages('chat-default'))).toEqual(['summary', 'three', 'four']);
    store.compactMessages('chat-default', 4, { role: 'system', content: 'shorter' });
    expect(contents(other.listMessages('chat-default'))).toEqual(['shorter', 'four']);

    store.finishRun('run-1', 'succeeded', { message: 'ok' });
    expect(other.deleteSession('chat-default')).toBe(true);
    other.ensureSession('chat-default');
    other.appendMessages('chat-default', null, [user('a'), user('b'), user('c'), user('d')]);
    expect(contents(store.listMessages('chat-default'))).toEqual(['a', 'b', 'c', 'd']);
  });

  it('hands out listed messages read-only, so one caller cannot change what another sees', () => {
    const { store } = openStore();
    sessionWithRun(store);
    store.appendMessages('chat-default', 'run-1', [
      { role: 'assistant', content: '', toolCalls: [{ id: 'c', name: 'read', arguments: { p: 1 } }] },
    ]);
    const [first] = store.listMessages('chat-default');
    expect(Object.isFrozen(first?.message)).toBe(true);
    expect(() => {
      (first?.message as { content: string }).content = 'changed';
    }).toThrow(TypeError);
    const list = store.listMessages('chat-default');
    list.pop();
    expect(store.listMessages('chat-default')).toHaveLength(1);
  });
});

describe('grouped writes (store.atomically)', () => {
  it('commits appends and a checkpoint together, and leaves none of them when the group fails', () => {
    const { store, home } = openStore();
    sessionWithRun(store);
    store.appendMessages('chat-default', 'run-1', [user('one')]);
    expect(contents(store.listMessages('chat-default'))).toEqual(['one']);
    expect(() =>
      store.atomically(() => {
        store.appendMessages('chat-default', 'run-1', [user('lost')]);
        store.checkpointRun('run-1', { step: 9 });
        throw new Error('failed before the group ended');
      }),
    ).toThrow('failed before the group ended');
    expect(store.getRun('run-1')?.state).not.toEqual({ step: 9 });
    // another process appends as many messages as the rolled-back group did: this one sees its message
    openStore({}, home).store.appendMessages('chat-default', null, [user('two')]);
    expect(contents(store.listMessages('chat-default'))).toEqual(['one', 'two']);

    store.atomically(() => {
      store.appendMessages('chat-default', 'run-1', [user('three')]);
      store.checkpointRun('run-1', { step: 3 });
    });
    const other = openStore({}, home).store;
    expect(contents(other.listMessages('chat-default'))).toEqual(['one', 'two', 'three']);
    expect(other.getRun('run-1')?.state).toEqual({ step: 3 });
  });
});
