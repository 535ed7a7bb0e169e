import { describe, expect, it } from 'vitest';
import { readSse, testServer } from './support.js';

describe('runs over HTTP', () => {
  it('answers health without a token and a run in wait mode with the agent’s message', async () => {
    const t = await testServer();
    expect((await t.call('/healthz', { token: null })).status).toBe(200);
    const ready = await t.call('/readyz', { token: null });
    expect(ready.status, await ready.clone().text()).toBe(200);
    const res = await t.call('/v1/sessions/s1/runs', { json: { goal: 'hello', mode: 'wait' } });
    expect(res.status).toBe(200);
    const run = (await res.json()) as Record<string, unknown>;
    expect(run).toMatchObject({ sessionId: 's1', status: 'succeeded', message: 'You said: hello' });
    const session = (await (await t.call('/v1/sessions/s1')).json()) as {
      messages: { role: string; content: string }[];
    };
    expect(session.messages.map((m) => m.role)).toEqual(['user', 'assistant']);
  });

  it('streams a run as SSE with numbered events and an end event', async () => {
    const t = await testServer();
    const res = await t.call('/v1/sessions/s2/runs', { json: { goal: 'echo hi there' } });
    expect(res.headers.get('content-type')).toContain('text/event-stream');
    const { events } = await readSse(res);
    const numbered = events.filter((e) => e.id !== undefined);
    expect(numbered.map((e) => Number(e.id))).toEqual(numbered.map((_, i) => i + 1));
    expect(numbered[0]?.event).toBe('RunStarted');
    expect(numbered.map((e) => e.event)).toContain('ToolEnd');
    expect(events.at(-1)?.event).toBe('end');
    expect(JSON.parse(events.at(-1)?.data ?? '{}')).toMatchObject({ status: 'succeeded' });
  });
});
