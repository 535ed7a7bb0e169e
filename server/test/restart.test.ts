import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { call, serve, setup } from './child-server.js';
import { readSse } from './support.js';

describe('roku serve across restarts', () => {
  it('resumes a run paused on an approval after a restart: approving runs the call exactly once', async () => {
    const { home, workspace, token } = setup();
    const first = await serve(home, workspace);
    const paused = (await (
      await call(first.url, token, '/v1/sessions/rs/runs', {
        goal: 'write_file {"path":"out.txt","content":"once"}',
        mode: 'wait',
      })
    ).json()) as { id: string; status: string; approvalId: string; lastEventId: number };
    expect(paused.status).toBe('awaiting_approval');
    expect(await first.stop()).toBe(0);

    const second = await serve(home, workspace);
    const ticket = (await (await call(second.url, token, `/v1/approvals/${paused.approvalId}`)).json()) as {
      status: string;
      toolName: string;
      arguments: unknown;
      digest: string;
      digestMatches: boolean;
    };
    expect(ticket).toMatchObject({
      status: 'pending',
      toolName: 'write_file',
      arguments: { path: 'out.txt', content: 'once' },
      digestMatches: true,
    });
    const decided = await call(second.url, token, `/v1/approvals/${paused.approvalId}/approve`, {
      digest: ticket.digest.slice(0, 16),
      wait: true,
    });
    expect(decided.status).toBe(200);
    expect(((await decided.json()) as { run: { status: string } }).run.status).toBe('succeeded');
    expect(readFileSync(join(workspace, 'out.txt'), 'utf8')).toBe('once');

    // The run's events, over the restart: numbered without a gap, one execution of the call.
    const { events } = await readSse(await call(second.url, token, `/v1/runs/${paused.id}/events`));
    const ids = events.filter((e) => e.id !== undefined).map((e) => Number(e.id));
    expect(ids).toEqual(ids.map((_, i) => i + 1));
    expect(events.filter((e) => e.event === 'ToolEnd')).toHaveLength(1);

    const again = await call(second.url, token, `/v1/approvals/${paused.approvalId}/approve`, {});
    expect(again.status).toBe(409);
    expect(((await again.json()) as { code: string }).code).toBe('ROKU_APPROVAL_ALREADY_DECIDED');
    expect(await second.stop()).toBe(0);
  });

  it('lets a run in flight finish on SIGTERM before it exits', async () => {
    const { home, workspace, token } = setup({
      script: [{ match: '^slow', text: 'finished anyway', delayMs: 1500 }],
    });
    const server = await serve(home, workspace);
    const run = (await (
      await call(server.url, token, '/v1/sessions/g/runs', { goal: 'slow please', mode: 'background' })
    ).json()) as { id: string };
    expect(await server.stop()).toBe(0);
    const next = await serve(home, workspace);
    const after = (await (await call(next.url, token, `/v1/runs/${run.id}`)).json()) as {
      status: string;
      message: string;
    };
    expect(after).toMatchObject({ status: 'succeeded', message: 'finished anyway' });
    expect(existsSync(join(home, 'state', 'server.db'))).toBe(true);
  });
});
