import { describe, expect, it } from 'vitest';
import { startLoopbackServer, startMockOpenAi } from '../src/index.js';

describe('startLoopbackServer', () => {
  let closedAfterTest = '';

  it('answers with its handler and records every request with its body', async () => {
    const server = await startLoopbackServer((req, res) => res.end(`you sent ${req.body}`));
    closedAfterTest = server.origin;
    const answer = await fetch(`${server.origin}/x?y=1`, { method: 'POST', body: 'hello' });
    expect(await answer.text()).toBe('you sent hello');
    expect(server.requests).toMatchObject([{ method: 'POST', url: '/x?y=1', body: 'hello' }]);
  });

  it('is closed once the test that started it has finished', async () => {
    await expect(fetch(closedAfterTest)).rejects.toThrow();
  });
});

describe('startMockOpenAi', () => {
  it('streams the reply as chat.completion.chunk events ending with [DONE], and rate-limits on request', async () => {
    const api = await startMockOpenAi({
      reply: () => ({
        deltas: [{ content: 'hi' }],
        finishReason: 'stop',
        usage: { prompt_tokens: 3, completion_tokens: 1 },
      }),
    });
    const post = (): Promise<Response> =>
      fetch(`${api.origin}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: 'Bearer k' },
        body: JSON.stringify({ model: 'm-1', stream: true, messages: [{ role: 'user', content: 'q' }] }),
      });
    api.rateLimitNext(1, 2);
    const limited = await post();
    expect([limited.status, limited.headers.get('retry-after')]).toEqual([429, '2']);
    const events = (await (await post()).text()).split('\n\n').filter((e) => e !== '');
    expect(events.at(-1)).toBe('data: [DONE]');
    const chunks = events
      .slice(0, -1)
      .map((e) => JSON.parse(e.slice('data: '.length)) as Record<string, unknown>);
    expect(chunks.map((c) => c.choices)).toEqual([
      [{ index: 0, delta: { content: 'hi' }, logprobs: null, finish_reason: null }],
      [{ index: 0, delta: {}, logprobs: null, finish_reason: 'stop' }],
      [],
    ]);
    expect(chunks[2]).toMatchObject({
      model: 'm-1',
      usage: { prompt_tokens: 3, completion_tokens: 1, total_tokens: 4 },
    });
    expect(api.requests.map((r) => [r.path, r.headers.authorization, r.body.model])).toEqual([
      ['/v1/chat/completions', 'Bearer k', 'm-1'],
      ['/v1/chat/completions', 'Bearer k', 'm-1'],
    ]);
  });
});
