import { describe, expect, it } from 'vitest';
import { tempDir } from '@roku/test-support';
import { testServer } from './support.js';
import type { TestServer } from './support.js';

interface Run {
  id: string;
  sessionId: string;
  status: string;
  approvalId: string | null;
}

async function codeOf(res: Response): Promise<[number, string]> {
  return [res.status, ((await res.json()) as { code: string }).code];
}

async function ids(t: TestServer, path: string, token: string): Promise<string[]> {
  const res = await t.call(path, { token });
  expect(res.status).toBe(200);
  return ((await res.json()) as { data: { id: string }[] }).data.map((s) => s.id);
}

describe('sessions belong to the token that created them', () => {
  it('another chat token gets 404 for the session, its runs, streams, tickets and OpenAI conversations; admin sees all', async () => {
    const home = tempDir('serve-owners');
    const t = await testServer({ home });
    const alice = t.token(['chat']);
    const bob = t.token(['chat', 'approvals']);
    const reviewer = t.token(['approvals']);
    expect((await t.call('/v1/sessions', { token: alice, json: { id: 'alice-s' } })).status).toBe(201);
    const run = (await (
      await t.call('/v1/sessions/alice-s/runs', {
        token: alice,
        json: { goal: 'write_file {"path":"a.txt","content":"x"}', mode: 'wait' },
      })
    ).json()) as Run;
    expect(run.status).toBe('awaiting_approval');
    expect(
      (await t.call('/v1/sessions/bob-s/runs', { token: bob, json: { goal: 'hi', mode: 'wait' } })).status,
    ).toBe(200);

    // Bob sees his own session only, and Alice's answers exactly as a session that does not exist.
    expect(await ids(t, '/v1/sessions', bob)).toEqual(['bob-s']);
    expect(await ids(t, '/v1/sessions', alice)).toEqual(['alice-s']);
    expect(await codeOf(await t.call('/v1/sessions/alice-s', { token: bob }))).toEqual([
      404,
      'ROKU_SESSION_NOT_FOUND',
    ]);
    expect(await codeOf(await t.call('/v1/sessions/nobody', { token: bob }))).toEqual([
      404,
      'ROKU_SESSION_NOT_FOUND',
    ]);
    expect(await codeOf(await t.call('/v1/sessions', { token: bob, json: { id: 'alice-s' } }))).toEqual([
      404,
      'ROKU_SESSION_NOT_FOUND',
    ]);
    expect(
      await codeOf(
        await t.call('/v1/sessions/alice-s/runs', { token: bob, json: { goal: 'hi', mode: 'wait' } }),
      ),
    ).toEqual([404, 'ROKU_SESSION_NOT_FOUND']);
    expect(await codeOf(await t.call('/v1/sessions/alice-s', { token: bob, method: 'DELETE' }))).toEqual([
      404,
      'ROKU_SESSION_NOT_FOUND',
    ]);
    for (const path of [`/v1/runs/${run.id}`, `/v1/runs/${run.id}/events`]) {
      expect(await codeOf(await t.call(path, { token: bob }))).toEqual([404, 'ROKU_RUN_NOT_FOUND']);
    }
    expect(await codeOf(await t.call(`/v1/runs/${run.id}/cancel`, { token: bob, method: 'POST' }))).toEqual([
      404,
      'ROKU_RUN_NOT_FOUND',
    ]);

    // Bob may decide tickets, but only of his sessions: Alice's ticket is not his to see or decide.
    expect(await ids(t, '/v1/approvals', bob)).toEqual([]);
    expect(await codeOf(await t.call(`/v1/approvals/${run.approvalId}`, { token: bob }))).toEqual([
      404,
      'ROKU_APPROVAL_NOT_FOUND',
    ]);
    expect(
      await codeOf(await t.call(`/v1/approvals/${run.approvalId}/approve`, { token: bob, json: {} })),
    ).toEqual([404, 'ROKU_APPROVAL_NOT_FOUND']);

    // The OpenAI facade: Alice's session by header, or her response by id, is not Bob's either.
    const chat = await t.call('/v1/chat/completions', {
      token: bob,
      headers: { 'x-roku-session-id': 'alice-s' },
      json: { model: 'roku', messages: [{ role: 'user', content: 'hi' }] },
    });
    expect(await codeOf(chat)).toEqual([404, 'ROKU_SESSION_NOT_FOUND']);
    const continued = await t.call('/v1/responses', {
      token: bob,
      json: { model: 'roku', input: 'hi', previous_response_id: `resp_${run.id}` },
    });
    expect(await codeOf(continued)).toEqual([404, 'ROKU_RUN_NOT_FOUND']);
    const fresh = await t.call('/v1/responses', { token: bob, json: { model: 'roku', input: 'hi' } });
    expect(fresh.status).toBe(200);
    expect((await ids(t, '/v1/sessions', bob)).length).toBe(2);

    // After a restart the owners are the same; admin and a reviewer see everything.
    await t.server.close();
    const again = await testServer({ home });
    expect(await ids(again, '/v1/sessions', alice)).toEqual(['alice-s']);
    expect(await codeOf(await again.call(`/v1/runs/${run.id}`, { token: bob }))).toEqual([
      404,
      'ROKU_RUN_NOT_FOUND',
    ]);
    expect((await ids(again, '/v1/sessions', again.token(['admin', 'chat']))).sort()).toEqual(
      expect.arrayContaining(['alice-s', 'bob-s']),
    );
    expect(await ids(again, '/v1/approvals', reviewer)).toEqual([run.approvalId]);
    const decided = await again.call(`/v1/approvals/${run.approvalId}/approve`, {
      token: reviewer,
      json: { wait: true },
    });
    expect(decided.status).toBe(200);
    expect((await (await again.call(`/v1/runs/${run.id}`, { token: alice })).json()) as Run).toMatchObject({
      status: 'succeeded',
    });
  });
});
