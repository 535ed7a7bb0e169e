import { describe, expect, it } from 'vitest';
import { validateChatResponse } from '../../../src/agent/router/index.js';
import { caught, harness, reply, scripted } from './fakes.js';

const request = { model: 'fake/model-a', messages: [{ role: 'user' as const, content: 'hi' }] };

const call = (args: unknown, id = 'c1'): unknown => ({
  message: { role: 'assistant', content: '', toolCalls: [{ id, name: 'read', arguments: args }] },
  finishReason: 'tool_calls',
});

class Response {
  message = { role: 'assistant', content: 'x' };
  finishReason = 'stop';
}

const malformed: [string, unknown, string][] = [
  ['a non-object response', 'hello', ''],
  ['a class instance', new Response(), ''],
  ['a missing message', { finishReason: 'stop' }, '/message'],
  ['a wrong role', { message: { role: 'user', content: '' }, finishReason: 'stop' }, '/message/role'],
  [
    'non-string content',
    { message: { role: 'assistant', content: 42 }, finishReason: 'stop' },
    '/message/content',
  ],
  [
    'content over 1 MiB',
    { message: { role: 'assistant', content: 'x'.repeat(1024 * 1024 + 1) }, finishReason: 'stop' },
    '/message/content',
  ],
  [
    'an unknown finish reason',
    { message: { role: 'assistant', content: '' }, finishReason: 'done' },
    '/finishReason',
  ],
  ['unparsable JSON arguments', call('{"path": '), '/message/toolCalls/0/arguments'],
  ['arguments JSON with a key twice', call('{"path":"a","path":"b"}'), '/message/toolCalls/0/arguments'],
  ['array arguments', call([1, 2]), '/message/toolCalls/0/arguments'],
  ['arguments JSON that is not an object', call('"text"'), '/message/toolCalls/0/arguments'],
  [
    'a tool call without a name',
    {
      message: { role: 'assistant', content: '', toolCalls: [{ id: 'a', arguments: {} }] },
      finishReason: 'stop',
    },
    '/message/toolCalls/0/name',
  ],
  [
    'duplicate tool call ids',
    {
      message: {
        role: 'assistant',
        content: '',
        toolCalls: [
          { id: 'a', name: 'x', arguments: {} },
          { id: 'a', name: 'y', arguments: {} },
        ],
      },
      finishReason: 'tool_calls',
    },
    '/message/toolCalls/1/id',
  ],
  [
    'more than 128 tool calls',
    {
      message: {
        role: 'assistant',
        content: '',
        toolCalls: Array.from({ length: 129 }, (_, i) => ({ id: `c${i}`, name: 'x', arguments: {} })),
      },
      finishReason: 'tool_calls',
    },
    '/message/toolCalls',
  ],
  ['negative usage', { ...reply(''), usage: { inputTokens: -1, outputTokens: 0 } }, '/usage/inputTokens'],
  [
    'non-finite usage',
    { ...reply(''), usage: { inputTokens: 1, outputTokens: Infinity } },
    '/usage/outputTokens',
  ],
  [
    'a non-number cache count',
    { ...reply(''), usage: { inputTokens: 1, outputTokens: 1, cacheReadTokens: '5' } },
    '/usage/cacheReadTokens',
  ],
];

describe('provider output validation', () => {
  it.each(malformed)(
    'rejects %s with ROKU_PROVIDER_BAD_OUTPUT and the JSON path',
    async (_what, value, path) => {
      const provider = scripted([{ value }]);
      const { router, delays } = harness([provider]);
      const error = await caught(() => router.chat(request));
      expect(error.code).toBe('ROKU_PROVIDER_BAD_OUTPUT');
      expect(error.details).toMatchObject({ pluginId: '@test/provider', where: 'response', path });
      expect(error.message).toContain('@test/provider (provider fake, model model-a): response');
      expect(provider.calls).toHaveLength(1);
      expect(delays).toEqual([]);
    },
  );

  it('names the event and path of a malformed stream event and aborts the attempt', async () => {
    const provider = scripted([
      (_request, { onEvent, signal }) => {
        onEvent({ type: 'text-delta', text: 'ok' });
        onEvent({ type: 'tool-call-delta', index: 500 });
        expect(signal.aborted).toBe(true);
        return Promise.resolve(reply('ok'));
      },
    ]);
    const seen: unknown[] = [];
    const error = await caught(() =>
      harness([provider]).router.chat(request, { onDelta: (e) => seen.push(e) }),
    );
    expect(error.code).toBe('ROKU_PROVIDER_BAD_OUTPUT');
    expect(error.message).toBe(
      '@test/provider (provider fake, model model-a): stream event 1 /index must be an integer from 0 to 127',
    );
    expect(error.details).toMatchObject({ where: 'stream event 1', path: '/index' });
    expect(seen).toHaveLength(1);
  });

  it('rejects unknown event types and non-string deltas', async () => {
    for (const [event, path] of [
      [{ type: 'thinking', text: 'hm' }, '/type'],
      [{ type: 'text-delta', text: 3 }, '/text'],
      [{ type: 'usage', usage: { inputTokens: 1 } }, '/usage/outputTokens'],
      [null, ''],
    ] as const) {
      const provider = scripted([
        (_request, { onEvent }) => {
          onEvent(event);
          return Promise.resolve(reply('ok'));
        },
      ]);
      const error = await caught(() => harness([provider]).router.chat(request));
      expect(error.details).toMatchObject({ path });
    }
  });

  it('counts bad output against the breaker', async () => {
    const provider = scripted([{ value: 'garbage' }]);
    const { router } = harness([provider]);
    await caught(() => router.chat(request));
    expect(router.breakerState('@test/provider', 'fake').consecutiveFailures).toBe(1);
  });

  it('parses JSON-string arguments, names id-less calls and drops unknown fields', () => {
    const checked = validateChatResponse({
      message: {
        role: 'assistant',
        content: 'x',
        toolCalls: [
          { id: '', name: 'read', arguments: '{"path":"a.txt"}', index: 0 },
          { id: 'c2', name: 'list', arguments: '' },
        ],
        extra: 1,
      },
      finishReason: 'tool_calls',
      usage: { inputTokens: 10, outputTokens: 2, cacheReadTokens: 4 },
      model: 'model-a-2026',
      raw: {},
    });
    expect(checked).toEqual({
      ok: true,
      value: {
        message: {
          role: 'assistant',
          content: 'x',
          toolCalls: [
            { id: 'call_0', name: 'read', arguments: { path: 'a.txt' } },
            { id: 'c2', name: 'list', arguments: {} },
          ],
        },
        finishReason: 'tool_calls',
        usage: { inputTokens: 10, outputTokens: 2, cacheReadTokens: 4 },
        model: 'model-a-2026',
      },
    });
  });

  it('accepts null-prototype objects, as the sandbox returns them', () => {
    const message = Object.assign(Object.create(null) as object, { role: 'assistant', content: 'hi' });
    const response = Object.assign(Object.create(null) as object, { message, finishReason: 'stop' });
    expect(validateChatResponse(response).ok).toBe(true);
  });
});
