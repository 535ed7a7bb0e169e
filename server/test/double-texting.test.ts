import { describe, expect, it } from 'vitest';
import { testServer } from './support.js';

interface Run {
  id: string;
  status: string;
  message: string | null;
  error: { code: string } | null;
}

const SLOW = [{ match: '^slow', text: 'slow answer', delayMs: 1200 }];

async function until(get: () => Promise<Run>, done: (r: Run) => boolean): Promise<Run> {
  for (let i = 0; i < 200; i++) {
    const run = await get();
    if (done(run)) return run;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('run did not settle');
}

describe('a run on a busy session (double texting)', () => {
  it('reject: 409 naming the run in the way', async () => {
    const t = await testServer({ script: SLOW });
    const first = (await (
      await t.call('/v1/sessions/d1/runs', { json: { goal: 'slow one', mode: 'background' } })
    ).json()) as Run;
    const second = await t.call('/v1/sessions/d1/runs', { json: { goal: 'hello', mode: 'wait' } });
    expect(second.status).toBe(409);
    expect(await second.json()).toMatchObject({ code: 'ROKU_SESSION_BUSY', details: { runId: first.id } });
  });

  it('enqueue: the second run waits its turn and both finish in order', async () => {
    const t = await testServer({ script: SLOW });
    const first = (await (
      await t.call('/v1/sessions/d2/runs', { json: { goal: 'slow one', mode: 'background' } })
    ).json()) as Run;
    const queued = await t.call('/v1/sessions/d2/runs', {
      json: { goal: 'hello', mode: 'background', strategy: 'enqueue' },
    });
    expect(queued.status).toBe(202);
    const second = (await queued.json()) as Run;
    expect(second.status).toBe('queued');
    const done = await until(
      async () => (await (await t.call(`/v1/runs/${second.id}`)).json()) as Run,
      (r) => r.status === 'succeeded',
    );
    expect(done.message).toBe('You said: hello');
    expect(((await (await t.call(`/v1/runs/${first.id}`)).json()) as Run).status).toBe('succeeded');
    const session = (await (await t.call('/v1/sessions/d2')).json()) as { messages: { content: string }[] };
    expect(session.messages.map((m) => m.content)).toEqual([
      'slow one',
      'slow answer',
      'hello',
      'You said: hello',
    ]);
  });

  it('interrupt: the current run is cancelled and the new one runs', async () => {
    const t = await testServer({ script: SLOW });
    const first = (await (
      await t.call('/v1/sessions/d3/runs', { json: { goal: 'slow one', mode: 'background' } })
    ).json()) as Run;
    const res = await t.call('/v1/sessions/d3/runs', {
      json: { goal: 'hello', mode: 'wait', strategy: 'interrupt' },
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: 'succeeded', message: 'You said: hello' });
    expect(((await (await t.call(`/v1/runs/${first.id}`)).json()) as Run).status).toBe('interrupted');
  });

  it('cancel: a running run ends interrupted; a queued one never starts', async () => {
    const t = await testServer({ script: SLOW });
    const first = (await (
      await t.call('/v1/sessions/d4/runs', { json: { goal: 'slow one', mode: 'background' } })
    ).json()) as Run;
    const queued = (await (
      await t.call('/v1/sessions/d4/runs', {
        json: { goal: 'hello', mode: 'background', strategy: 'enqueue' },
      })
    ).json()) as Run;
    expect(
      ((await (await t.call(`/v1/runs/${queued.id}/cancel`, { method: 'POST' })).json()) as Run).status,
    ).toBe('interrupted');
    expect(
      ((await (await t.call(`/v1/runs/${first.id}/cancel`, { method: 'POST' })).json()) as Run).status,
    ).toBe('interrupted');
    const session = (await (await t.call('/v1/sessions/d4')).json()) as { messages: { content: string }[] };
    expect(session.messages.map((m) => m.content)).not.toContain('hello');
  });

  it('interrupt and cancel also end a run paused on an approval: its ticket is rejected', async () => {
    const t = await testServer();
    const write = (name: string): string => `write_file {"path":"${name}","content":"x"}`;
    const paused = (await (
      await t.call('/v1/sessions/d5/runs', { json: { goal: write('a.txt'), mode: 'wait' } })
    ).json()) as Run & { approvalId: string };
    expect(paused.status).toBe('awaiting_approval');
    const res = await t.call('/v1/sessions/d5/runs', {
      json: { goal: 'hello', mode: 'wait', strategy: 'interrupt' },
    });
    expect(await res.json()).toMatchObject({ status: 'succeeded', message: 'You said: hello' });
    expect(((await (await t.call(`/v1/runs/${paused.id}`)).json()) as Run).status).toBe('interrupted');
    expect(
      ((await (await t.call(`/v1/approvals/${paused.approvalId}`)).json()) as { status: string }).status,
    ).toBe('rejected');

    const again = (await (
      await t.call('/v1/sessions/d6/runs', { json: { goal: write('b.txt'), mode: 'wait' } })
    ).json()) as Run & { approvalId: string };
    const cancelled = (await (await t.call(`/v1/runs/${again.id}/cancel`, { method: 'POST' })).json()) as Run;
    expect(cancelled.status).toBe('interrupted');
    expect(
      ((await (await t.call(`/v1/approvals/${again.approvalId}`)).json()) as { status: string }).status,
    ).toBe('rejected');
  });

  it('Idempotency-Key: a retry returns the same run; another body with the key is refused', async () => {
    const t = await testServer();
    const send = (goal: string): Promise<Response> =>
      t.call('/v1/sessions/i1/runs', { json: { goal, mode: 'wait' }, headers: { 'idempotency-key': 'k-1' } });
    const first = (await (await send('hello')).json()) as Run;
    const retry = await send('hello');
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    expect(((await retry.json()) as Run).id).toBe(first.id);
    const session = (await (await t.call('/v1/sessions/i1')).json()) as { runs: unknown[] };
    expect(session.runs).toHaveLength(1);
    const conflict = await send('something else');
    expect(conflict.status).toBe(422);
    expect(await conflict.json()).toMatchObject({
      code: 'ROKU_HTTP_IDEMPOTENCY_CONFLICT',
      details: { runId: first.id },
    });
  });
});
