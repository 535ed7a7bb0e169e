import { describe, expect, it } from 'vitest';
import { readSse, testServer } from './support.js';

const TEXT = 'The quick brown fox jumps over the lazy dog, twice over.';

describe('run event streams', () => {
  it('resume after a disconnect with Last-Event-ID without a gap or a duplicate, and the run goes on meanwhile', async () => {
    // One character per event, spread over 1.5 s: the client leaves early and comes back later.
    const t = await testServer({
      script: [{ match: '^tell', text: TEXT }],
      scripted: { chunkChars: 1, delayMs: 1500 },
    });
    const first = await t.call('/v1/sessions/r1/runs', { json: { goal: 'tell me' } });
    const runId = first.headers.get('x-roku-run-id') as string;
    const part = await readSse(first, 5);
    const ids = part.events.filter((e) => e.id !== undefined).map((e) => Number(e.id));
    expect(ids).toEqual([1, 2, 3, 4, 5]);

    // While nobody listens the run finishes.
    for (let i = 0; i < 100; i++) {
      const run = (await (await t.call(`/v1/runs/${runId}`)).json()) as { status: string };
      if (run.status !== 'running') break;
      await new Promise((r) => setTimeout(r, 50));
    }
    const again = await t.call(`/v1/runs/${runId}/events`, { headers: { 'last-event-id': '5' } });
    const rest = await readSse(again);
    const restIds = rest.events.filter((e) => e.id !== undefined).map((e) => Number(e.id));
    expect(restIds[0]).toBe(6);
    expect(restIds).toEqual(restIds.map((_, i) => i + 6));
    const all = [...part.events, ...rest.events].filter((e) => e.event === 'LlmTextDelta');
    expect(all.map((e) => (JSON.parse(e.data) as { text: string }).text).join('')).toBe(TEXT);
    expect(rest.events.at(-1)?.event).toBe('end');
    expect(JSON.parse(rest.events.at(-1)?.data ?? '{}')).toMatchObject({
      status: 'succeeded',
      message: TEXT,
    });
  });

  it('joins a live run mid-way and sends heartbeats while the model is silent', async () => {
    const t = await testServer({ script: [{ match: '^slow', text: 'done', delayMs: 900 }] });
    const start = await t.call('/v1/sessions/r2/runs', { json: { goal: 'slow one', mode: 'background' } });
    expect(start.status).toBe(202);
    const run = (await start.json()) as { id: string; status: string };
    expect(start.headers.get('location')).toBe(`/v1/runs/${run.id}`);
    const { events, comments } = await readSse(await t.call(`/v1/runs/${run.id}/events`));
    expect(comments).toBeGreaterThan(0);
    const ids = events.filter((e) => e.id !== undefined).map((e) => Number(e.id));
    expect(ids).toEqual(ids.map((_, i) => i + 1));
    expect(events.at(-1)?.event).toBe('end');
  });

  it('answers 404 with the error body for an unknown run', async () => {
    const t = await testServer();
    const res = await t.call('/v1/runs/run-nope/events');
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ code: 'ROKU_RUN_NOT_FOUND', details: { runId: 'run-nope' } });
  });
});
