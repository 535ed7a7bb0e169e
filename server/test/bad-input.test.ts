import { describe, expect, it } from 'vitest';
import { createTokenStore, openServerDb } from '../src/index.js';
import { testServer } from './support.js';

interface ErrorBody {
  code: string;
  message: string;
  details: Record<string, unknown>;
}

async function error(res: Response): Promise<ErrorBody> {
  const body = (await res.json()) as ErrorBody;
  expect(Object.keys(body).sort()).toEqual(['code', 'details', 'message']);
  return body;
}

describe('tokens and bad input', () => {
  it('refuses a missing, wrong, revoked or under-scoped token with 401/403 and audits it', async () => {
    const t = await testServer();
    expect((await error(await t.call('/v1/sessions', { token: null }))).code).toBe('ROKU_HTTP_UNAUTHORIZED');
    const wrong = await t.call('/v1/sessions', {
      token: 'roku_000000000000_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
    });
    expect(wrong.status).toBe(401);
    expect((await error(wrong)).message).toContain('unknown or revoked');

    const chatOnly = t.token(['chat']);
    expect((await t.call('/v1/sessions', { token: chatOnly })).status).toBe(200);
    const forbidden = await t.call('/v1/approvals', { token: chatOnly });
    expect(forbidden.status).toBe(403);
    expect(await error(forbidden)).toMatchObject({
      code: 'ROKU_HTTP_FORBIDDEN',
      details: { needed: 'approvals' },
    });
    expect((await t.call('/metrics', { token: chatOnly })).status).toBe(403);
    expect((await t.call('/metrics', { token: t.token(['metrics']) })).status).toBe(200);

    const db = openServerDb(t.home);
    const tokens = createTokenStore(db);
    const id = /^roku_([0-9a-f]{12})_/.exec(chatOnly)?.[1] as string;
    tokens.revoke(id);
    db.close();
    expect((await t.call('/v1/sessions', { token: chatOnly })).status).toBe(401);

    const audit = (await (await t.call('/v1/audit?action=auth.denied')).json()) as {
      data: { outcome: string; details: { code: string } }[];
    };
    expect(audit.data.map((a) => a.details.code)).toEqual([
      'ROKU_HTTP_UNAUTHORIZED',
      'ROKU_HTTP_UNAUTHORIZED',
      'ROKU_HTTP_FORBIDDEN',
      'ROKU_HTTP_FORBIDDEN',
      'ROKU_HTTP_UNAUTHORIZED',
    ]);
  });

  it('names the field for malformed JSON, unknown and missing fields, wrong types and bad query values', async () => {
    const t = await testServer();
    const malformed = await t.call('/v1/sessions/x/runs', {
      method: 'POST',
      body: '{"goal": ',
      headers: { 'content-type': 'application/json' },
    });
    expect(malformed.status).toBe(400);
    expect((await error(malformed)).message).toMatch(/^body: malformed JSON/);

    const unknown = await error(await t.call('/v1/sessions/x/runs', { json: { goal: 'hi', mood: 'happy' } }));
    expect(unknown).toMatchObject({
      code: 'ROKU_HTTP_INVALID_REQUEST',
      message: 'body/mood is not a known field',
    });
    expect((await error(await t.call('/v1/sessions/x/runs', { json: {} }))).message).toBe(
      'body/goal is required',
    );
    expect((await error(await t.call('/v1/sessions/x/runs', { json: { goal: 5 } }))).message).toBe(
      'body/goal must be string',
    );
    expect(
      (await error(await t.call('/v1/sessions/x/runs', { json: { goal: 'a', mode: 'fast' } }))).message,
    ).toContain('body/mode');
    expect((await error(await t.call('/v1/sessions?limit=0'))).message).toContain('querystring/limit');
    expect((await error(await t.call('/v1/sessions?cursor=zzz'))).message).toContain('querystring/cursor');
  });

  it('refuses a body over the limit with 413', async () => {
    const t = await testServer({ serve: { bodyLimit: 2048 } });
    const res = await t.call('/v1/sessions/x/runs', { json: { goal: 'x'.repeat(5000) } });
    expect(res.status).toBe(413);
    expect((await error(res)).code).toBe('ROKU_HTTP_BODY_TOO_LARGE');
  });

  it('answers 404 with a code for unknown sessions, runs, approvals and routes', async () => {
    const t = await testServer();
    expect((await error(await t.call('/v1/sessions/nope'))).code).toBe('ROKU_SESSION_NOT_FOUND');
    expect((await error(await t.call('/v1/runs/run-nope'))).code).toBe('ROKU_RUN_NOT_FOUND');
    expect((await error(await t.call('/v1/approvals/ap-nope'))).code).toBe('ROKU_APPROVAL_NOT_FOUND');
    expect((await error(await t.call('/v1/approvals/ap-nope/approve', { json: {} }))).code).toBe(
      'ROKU_APPROVAL_NOT_FOUND',
    );
    const route = await t.call('/v1/nothing');
    expect(route.status).toBe(404);
    expect((await error(route)).code).toBe('ROKU_HTTP_NOT_FOUND');
  });

  it('rate-limits a flooding token with 429 while another token is still served', async () => {
    const t = await testServer({ serve: { rateLimitPerMinute: 5 } });
    const flood = t.token(['chat']);
    const statuses = await Promise.all(
      Array.from({ length: 8 }, () => t.call('/v1/sessions', { token: flood }).then((r) => r.status)),
    );
    expect(statuses.filter((s) => s === 429)).toHaveLength(3);
    const limited = await t.call('/v1/sessions', { token: flood });
    expect(limited.headers.get('retry-after')).not.toBeNull();
    expect((await error(limited)).code).toBe('ROKU_HTTP_RATE_LIMITED');
    expect((await t.call('/v1/sessions', { token: t.token(['chat']) })).status).toBe(200);
  });

  it('lists sessions a page at a time with a cursor and a filter, and deletes one', async () => {
    const t = await testServer();
    for (const id of ['p1', 'p2', 'p3', 'other']) {
      expect((await t.call('/v1/sessions', { json: { id, title: `title ${id}` } })).status).toBe(201);
    }
    const page1 = (await (await t.call('/v1/sessions?limit=2&q=p')).json()) as {
      data: { id: string }[];
      nextCursor: string;
    };
    expect(page1.data).toHaveLength(2);
    const page2 = (await (await t.call(`/v1/sessions?limit=2&q=p&cursor=${page1.nextCursor}`)).json()) as {
      data: { id: string }[];
      nextCursor: null;
    };
    expect(page2.nextCursor).toBeNull();
    expect([...page1.data, ...page2.data].map((s) => s.id).sort()).toEqual(['p1', 'p2', 'p3']);
    expect((await t.call('/v1/sessions/p1', { method: 'DELETE' })).status).toBe(204);
    expect((await t.call('/v1/sessions/p1')).status).toBe(404);
  });
});
