import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readSse, testServer } from './support.js';

interface RequestAnswer {
  request_id: string;
  status: string;
  message: string;
  artifacts: unknown[];
  approval_id: string | null;
}

describe('the original gateway routes (spec §9.4) on roku serve', () => {
  it('GET /health answers without a token; POST /v1/requests runs the goal and gives unique request ids', async () => {
    const t = await testServer();
    const health = await t.call('/health', { token: null });
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok' });
    const ids = new Set<string>();
    for (const goal of ['hello', 'again']) {
      const res = await t.call('/v1/requests', { json: { session_id: 'compat-1', goal } });
      expect(res.status).toBe(200);
      const body = (await res.json()) as RequestAnswer;
      expect(body).toMatchObject({ status: 'Succeeded', message: `You said: ${goal}`, artifacts: [] });
      ids.add(body.request_id);
    }
    expect(ids.size).toBe(2);
    // the session holds both turns, as a native run's would
    const session = (await (await t.call('/v1/sessions/compat-1')).json()) as {
      messages: { role: string }[];
    };
    expect(session.messages.filter((m) => m.role === 'user')).toHaveLength(2);
    // no token, or a bad body: refused with the native errors
    expect(
      (await t.call('/v1/requests', { token: null, json: { session_id: 'x', goal: 'hi' } })).status,
    ).toBe(401);
    const bad = await t.call('/v1/requests', { json: { session_id: 'x' } });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(await bad.json())).toContain('goal');
  });

  it('a write pauses as PendingApproval; the decision route approves it with the digest shown, and the run completes', async () => {
    const t = await testServer();
    const res = await t.call('/v1/requests', {
      json: { session_id: 'compat-2', goal: 'write_file {"path":"c.txt","content":"done"}' },
    });
    const body = (await res.json()) as RequestAnswer;
    expect(body.status).toBe('PendingApproval');
    expect(body.approval_id).toEqual(expect.any(String));
    expect(existsSync(join(t.workspace, 'c.txt'))).toBe(false);
    const ticket = (await (await t.call(`/v1/approvals/${body.approval_id}`)).json()) as {
      status: string;
      digest: string;
    };
    expect(ticket.status).toBe('pending');
    expect(ticket.digest).toMatch(/^[0-9a-f]{64}$/);
    const decided = await t.call(`/v1/approvals/${body.approval_id}/decision`, {
      json: { actor: 'alice', approved: true, comment: 'ok' },
    });
    expect(decided.status).toBe(200);
    const after = (await decided.json()) as { decision: string; comment: string; request_status: string };
    expect(after).toMatchObject({ decision: 'Approved', request_status: 'Succeeded' });
    expect(after.comment).toContain('alice');
    expect(readFileSync(join(t.workspace, 'c.txt'), 'utf8')).toBe('done');
    // a second decision on the same ticket is refused
    const again = await t.call(`/v1/approvals/${body.approval_id}/decision`, { json: { approved: false } });
    expect(again.status).toBeGreaterThanOrEqual(400);
    // its events: the SSE stream and the replay both hold the tool call
    const events = await readSse(await t.call(`/v1/requests/${body.request_id}/events`));
    expect(events.events.some((e) => e.data.includes('ToolEnd'))).toBe(true);
    const replay = (await (await t.call(`/v1/tasks/${body.request_id}/replay`)).json()) as {
      events: { type: string }[];
    };
    expect(replay.events.map((e) => e.type)).toContain('ToolEnd');
    expect((await t.call('/v1/tasks/no-such-run/replay')).status).toBe(404);
  });

  it('rejecting through the decision route tells the model and leaves the file unwritten', async () => {
    const t = await testServer();
    const body = (await (
      await t.call('/v1/requests', {
        json: { session_id: 'compat-3', goal: 'write_file {"path":"r.txt","content":"x"}' },
      })
    ).json()) as RequestAnswer;
    const decided = await t.call(`/v1/approvals/${body.approval_id}/decision`, {
      json: { actor: 'bob', approved: false },
    });
    expect(((await decided.json()) as { decision: string; status: string }).decision).toBe('Rejected');
    expect(existsSync(join(t.workspace, 'r.txt'))).toBe(false);
  });
});
