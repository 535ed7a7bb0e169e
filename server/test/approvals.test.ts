import { createHmac } from 'node:crypto';
import { createServer } from 'node:http';
import { describe, expect, it, onTestFinished } from 'vitest';
import { testServer } from './support.js';

const WRITE = (name: string): string => `write_file {"path":"${name}","content":"x"}`;

interface Run {
  id: string;
  status: string;
  approvalId: string | null;
  message: string | null;
  traceId: string | null;
}

describe('approvals over HTTP', () => {
  it('shows the exact call, refuses a digest that does not match, and rejecting resumes the run with the refusal', async () => {
    const t = await testServer();
    const run = (await (
      await t.call('/v1/sessions/a1/runs', { json: { goal: WRITE('a.txt'), mode: 'wait' } })
    ).json()) as Run;
    expect(run.status).toBe('awaiting_approval');
    const pending = (await (await t.call('/v1/approvals?sessionId=a1')).json()) as { data: { id: string }[] };
    expect(pending.data.map((a) => a.id)).toEqual([run.approvalId]);
    const ticket = (await (await t.call(`/v1/approvals/${run.approvalId}`)).json()) as {
      canonical: string;
      digest: string;
    };
    expect(JSON.parse(ticket.canonical)).toEqual({
      tool: 'write_file',
      arguments: { path: 'a.txt', content: 'x' },
    });
    const mismatch = await t.call(`/v1/approvals/${run.approvalId}/approve`, {
      json: { digest: '00000000' },
    });
    expect(mismatch.status).toBe(409);
    expect(((await mismatch.json()) as { code: string }).code).toBe('ROKU_APPROVAL_DIGEST_MISMATCH');
    const rejected = await t.call(`/v1/approvals/${run.approvalId}/reject`, {
      json: { comment: 'not now', wait: true },
    });
    expect(rejected.status).toBe(200);
    const body = (await rejected.json()) as { approval: { status: string; comment: string }; run: Run };
    expect(body.approval).toMatchObject({ status: 'rejected', comment: 'not now' });
    expect(body.run.status).toBe('succeeded');
    const audit = (await (await t.call('/v1/audit?action=approval.reject')).json()) as {
      data: { runId: string; outcome: string }[];
    };
    expect(audit.data).toEqual([expect.objectContaining({ runId: run.id, outcome: 'ok' })]);
  });

  it('audits every decision with its digest and deciding token, a refused one too, and every tool call the policy denies', async () => {
    const t = await testServer({ config: { approvals: { denyPatterns: ['secret\\.txt'] } } });
    const reviewer = t.token(['approvals']);
    const reviewerId = /^roku_([0-9a-f]{12})_/.exec(reviewer)?.[1] as string;
    const run = (await (
      await t.call('/v1/sessions/au1/runs', { json: { goal: WRITE('b.txt'), mode: 'wait' } })
    ).json()) as Run;
    const ticket = (await (await t.call(`/v1/approvals/${run.approvalId}`)).json()) as { digest: string };
    const wrong = await t.call(`/v1/approvals/${run.approvalId}/approve`, {
      token: reviewer,
      json: { digest: '00000000' },
    });
    expect(wrong.status).toBe(409);
    const approved = await t.call(`/v1/approvals/${run.approvalId}/approve`, {
      token: reviewer,
      json: { digest: ticket.digest.slice(0, 8), wait: true },
    });
    expect(approved.status).toBe(200);
    const decisions = (await (await t.call('/v1/audit?action=approval.approve')).json()) as {
      data: {
        actor: string;
        outcome: string;
        runId: string;
        sessionId: string;
        details: Record<string, unknown>;
      }[];
    };
    expect(decisions.data).toEqual([
      expect.objectContaining({
        actor: `token:${reviewerId}`,
        outcome: 'failed',
        runId: run.id,
        details: expect.objectContaining({ code: 'ROKU_APPROVAL_DIGEST_MISMATCH' }) as unknown,
      }),
      expect.objectContaining({
        actor: `token:${reviewerId}`,
        outcome: 'ok',
        runId: run.id,
        sessionId: 'au1',
        details: expect.objectContaining({ digest: ticket.digest, always: false }) as unknown,
      }),
    ]);

    const denied = (await (
      await t.call('/v1/sessions/au2/runs', { json: { goal: WRITE('secret.txt'), mode: 'wait' } })
    ).json()) as Run;
    expect(denied.status).toBe('succeeded');
    const denials = (await (await t.call('/v1/audit?action=tool.denied')).json()) as {
      data: { outcome: string; runId: string; sessionId: string; target: string; traceId: string }[];
    };
    expect(denials.data).toEqual([
      expect.objectContaining({
        outcome: 'denied',
        runId: denied.id,
        sessionId: 'au2',
        target: 'write_file',
      }),
    ]);
    expect(denials.data[0]?.traceId).toBe(denied.traceId);
  });

  it('"always" approves the tool for the rest of the session only', async () => {
    const t = await testServer();
    const run = (await (
      await t.call('/v1/sessions/a2/runs', { json: { goal: WRITE('one.txt'), mode: 'wait' } })
    ).json()) as Run;
    await t.call(`/v1/approvals/${run.approvalId}/approve`, { json: { always: true, wait: true } });
    const next = (await (
      await t.call('/v1/sessions/a2/runs', { json: { goal: WRITE('two.txt'), mode: 'wait' } })
    ).json()) as Run;
    expect(next.status).toBe('succeeded');
    const other = (await (
      await t.call('/v1/sessions/a3/runs', { json: { goal: WRITE('three.txt'), mode: 'wait' } })
    ).json()) as Run;
    expect(other.status).toBe('awaiting_approval');
  });

  it('calls the webhook, signed with HMAC, when a background run finishes; the trace id of traceparent is kept', async () => {
    const received: { body: string; signature: string; timestamp: string }[] = [];
    const hook = createServer((req, res) => {
      let body = '';
      req.on('data', (d: Buffer) => (body += d.toString()));
      req.on('end', () => {
        received.push({
          body,
          signature: String(req.headers['x-roku-signature']),
          timestamp: String(req.headers['x-roku-timestamp']),
        });
        res.end('ok');
      });
    });
    await new Promise<void>((r) => hook.listen(0, '127.0.0.1', r));
    onTestFinished(
      () =>
        new Promise<void>((r) => {
          hook.close(() => {
            r();
          });
        }),
    );
    const port = (hook.address() as { port: number }).port;
    const t = await testServer({ serve: { webhookOrigins: [`http://127.0.0.1:${port}`] } });
    // an origin the operator did not allow is refused before the run starts, and nothing is called there
    const refused = await t.call('/v1/sessions/a4/runs', {
      json: {
        goal: 'hello',
        mode: 'background',
        webhook: { url: 'http://169.254.169.254/x', secret: 'a-webhook-secret-of-enough-length' },
      },
    });
    expect(refused.status).toBe(403);
    expect(((await refused.json()) as { code: string }).code).toBe('ROKU_HTTP_WEBHOOK_NOT_ALLOWED');
    const secret = 'a-webhook-secret-of-enough-length';
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const res = await t.call('/v1/sessions/a4/runs', {
      json: { goal: 'hello', mode: 'background', webhook: { url: `http://127.0.0.1:${port}/done`, secret } },
      headers: { traceparent: `00-${traceId}-00f067aa0ba902b7-01` },
    });
    expect(res.headers.get('x-trace-id')).toBe(traceId);
    for (let i = 0; i < 100 && received.length === 0; i++) await new Promise((r) => setTimeout(r, 50));
    const call = received[0];
    expect(call).toBeDefined();
    const expected = `sha256=${createHmac('sha256', secret).update(`${call?.timestamp}.${call?.body}`).digest('hex')}`;
    expect(call?.signature).toBe(expected);
    expect(JSON.parse(call?.body ?? '{}')).toMatchObject({
      status: 'succeeded',
      message: 'You said: hello',
      traceId,
    });
    const audit = (await (await t.call('/v1/audit?action=run.start&sessionId=a4')).json()) as {
      data: { traceId: string }[];
    };
    expect(audit.data[0]?.traceId).toBe(traceId);
  });
});
