import { describe, expect, it } from 'vitest';
import type { ChatCall, ChatMessage, ChatRequest, PluginContext } from '../../src/index.js';
import { continuedChat } from '../../src/runtime/continued-chat.js';

const ctx = {} as PluginContext;
const user = (content: string): ChatMessage => ({ role: 'user', content });
const reply = (content: string): ChatMessage => ({ role: 'assistant', content });

/** A provider that answers with the contents of every message it was given. */
function recorder() {
  const seen: ChatRequest[] = [];
  const chat = continuedChat((request) => {
    seen.push(request);
    return {
      message: reply(request.messages.map((m) => m.content).join(',')),
      finishReason: 'stop',
    };
  });
  return { seen, chat };
}

const call = (
  messages: ChatMessage[],
  extra: { [K in keyof ChatCall]?: ChatCall[K] | undefined } = {},
): ChatCall =>
  Object.fromEntries(
    Object.entries({ model: 'm', messages, sessionId: 's1', ...extra }).filter(([, v]) => v !== undefined),
  ) as unknown as ChatCall;

describe('continuedChat: a session request crosses as what is new, the provider sees it whole', () => {
  it('keeps the messages when the host asks, and rebuilds a continued request before the provider sees it', async () => {
    const { seen, chat } = recorder();
    const first = await chat(call([user('a'), reply('b')], { keep: true }), ctx);
    expect(first.state).toEqual(expect.any(String));
    const second = await chat(
      call([user('c')], { keep: true, since: { state: first.state ?? '', count: 2 } }),
      ctx,
    );
    expect(second.message.content).toBe('a,b,c');
    expect(seen[1]).not.toHaveProperty('since');
    expect(seen[1]).not.toHaveProperty('keep');
    // a shorter shared prefix: the conversation changed after its first message (e.g. compaction)
    const third = await chat(
      call([user('B'), user('d')], { keep: true, since: { state: second.state ?? '', count: 1 } }),
      ctx,
    );
    expect(third.message.content).toBe('a,B,d');
  });

  it('answers without a state when the host did not ask (test kits, calls outside a session)', async () => {
    const { chat } = recorder();
    expect(await chat(call([user('a')]), ctx)).not.toHaveProperty('state');
    expect(await chat(call([user('a')], { keep: true, sessionId: undefined }), ctx)).not.toHaveProperty(
      'state',
    );
  });

  it('refuses a state it does not hold, or a count beyond it, with ROKU_PROVIDER_STATE_LOST and without calling the provider', async () => {
    const { seen, chat } = recorder();
    await expect(chat(call([user('x')], { since: { state: 'never', count: 1 } }), ctx)).rejects.toMatchObject(
      { code: 'ROKU_PROVIDER_STATE_LOST' },
    );
    const first = await chat(call([user('a')], { keep: true }), ctx);
    await expect(
      chat(call([user('x')], { since: { state: first.state ?? '', count: 2 } }), ctx),
    ).rejects.toMatchObject({ code: 'ROKU_PROVIDER_STATE_LOST' });
    expect(seen).toHaveLength(1);
  });

  it('still holds the previous state after a failed answer, so the host can retry the same continuation', async () => {
    let fail = false;
    const chat = continuedChat((request) => {
      if (fail) throw Object.assign(new Error('upstream 503'), { code: 'PROVIDER_UNAVAILABLE' });
      return { message: reply(String(request.messages.length)), finishReason: 'stop' };
    });
    const first = await chat(call([user('a')], { keep: true }), ctx);
    fail = true;
    const next = call([user('b')], { keep: true, since: { state: first.state ?? '', count: 1 } });
    await expect(chat(next, ctx)).rejects.toMatchObject({ code: 'PROVIDER_UNAVAILABLE' });
    fail = false;
    expect((await chat(next, ctx)).message.content).toBe('2');
  });
});
