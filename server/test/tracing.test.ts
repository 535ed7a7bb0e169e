import { createServer } from 'node:http';
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { chatCompletionsFrames, startWireServer } from '@roku/test-support';
import { repo, testServer } from './support.js';

interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  attributes: { key: string; value: { stringValue?: string; intValue?: string | number } }[];
}

describe('OpenTelemetry traces', () => {
  it('exports GenAI spans per run, model call and tool call over OTLP, under the request’s traceparent', async () => {
    const spans: OtlpSpan[] = [];
    const collector = createServer((req, res) => {
      let body = '';
      req.on('data', (d: Buffer) => (body += d.toString()));
      req.on('end', () => {
        const doc = JSON.parse(body) as { resourceSpans: { scopeSpans: { spans: OtlpSpan[] }[] }[] };
        for (const r of doc.resourceSpans) for (const s of r.scopeSpans) spans.push(...s.spans);
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{}');
      });
    });
    await new Promise<void>((r) => collector.listen(0, '127.0.0.1', r));
    const port = (collector.address() as { port: number }).port;
    try {
      const t = await testServer({ serve: { otlpTracesUrl: `http://127.0.0.1:${port}/v1/traces` } });
      const traceId = '0af7651916cd43dd8448eb211c80319c';
      const parent = 'b7ad6b7169203331';
      const res = await t.call('/v1/sessions/otel/runs', {
        json: { goal: 'echo traced words', mode: 'wait' },
        headers: { traceparent: `00-${traceId}-${parent}-01` },
      });
      expect(((await res.json()) as { status: string }).status).toBe('succeeded');
      await t.server.close();
      const names = spans.map((s) => s.name);
      expect(names).toEqual(
        expect.arrayContaining(['invoke_agent roku', 'chat scripted-1', 'execute_tool echo']),
      );
      expect(new Set(spans.map((s) => s.traceId))).toEqual(new Set([traceId]));
      const root = spans.find((s) => s.name === 'invoke_agent roku');
      expect(root?.parentSpanId).toBe(parent);
      const tool = spans.find((s) => s.name === 'execute_tool echo');
      expect(tool?.parentSpanId).toBe(root?.spanId);
      const chats = spans.filter((s) => s.name === 'chat scripted-1');
      expect(chats).toHaveLength(2);
      const chat = chats[0];
      const attr = (s: OtlpSpan | undefined, key: string): unknown => {
        const v = s?.attributes.find((a) => a.key === key)?.value;
        return v?.stringValue ?? v?.intValue;
      };
      expect(attr(chat, 'gen_ai.provider.name')).toBe('scripted');
      expect(attr(chat, 'gen_ai.request.model')).toBe('scripted-1');
      expect(Number(attr(root, 'gen_ai.usage.input_tokens'))).toBeGreaterThan(0);
      expect(attr(root, 'gen_ai.conversation.id')).toBe('otel');
      // each plugin call in its sandbox is a span below the run's: the provider's, the tool's, the engine's
      const sandboxSpans = spans.filter((s) => s.name.startsWith('sandbox '));
      expect(sandboxSpans.filter((s) => s.name === 'sandbox provider:scripted:chat')).toHaveLength(2);
      const toolCall = sandboxSpans.find((s) => s.name === 'sandbox tool:echo');
      expect(attr(toolCall, 'roku.plugin.id')).toBe('@roku/example-tool-echo');
      expect(sandboxSpans.every((s) => s.parentSpanId === root?.spanId)).toBe(true);
    } finally {
      await new Promise<void>((r) => {
        collector.close(() => {
          r();
        });
      });
    }
  });

  it('passes the request’s trace on to the provider: its upstream request carries a traceparent in that trace', async () => {
    const api = await startWireServer(() => ({
      kind: 'sse',
      frames: chatCompletionsFrames({ text: ['Hi ', 'there.'], usage: { input: 5, output: 2 } }),
    }));
    try {
      const id = '@roku/plugin-provider-openai';
      const t = await testServer({
        env: { OPENAI_API_KEY: 'sk-trace-test' },
        config: {
          agent: { defaultModel: 'openai/gpt-4o-mini', initialBackoffMs: 1 },
          plugins: {
            devDirs: [join(repo, 'plugins/provider-openai')],
            settings: { [id]: { baseURL: `${api.origin}/v1` } },
            grants: { [id]: { network: [api.origin] } },
          },
        },
      });
      const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
      const parent = '00f067aa0ba902b7';
      const res = await t.call('/v1/sessions/traced/runs', {
        json: { goal: 'hello', mode: 'wait' },
        headers: { traceparent: `00-${traceId}-${parent}-01` },
      });
      expect(await res.json()).toMatchObject({ status: 'succeeded', message: 'Hi there.' });
      const sent = api.requests.filter((r) => r.method === 'POST').map((r) => r.headers.traceparent);
      expect(sent).toHaveLength(1);
      const [version, trace, span, flags] = String(sent[0]).split('-');
      expect([version, trace, flags]).toEqual(['00', traceId, '01']);
      // A span of its own: not the caller's span, so the upstream's spans hang under this request.
      expect(span).toMatch(/^[0-9a-f]{16}$/);
      expect(span).not.toBe(parent);

      // Without a traceparent the run's own trace id (x-trace-id) is passed on.
      const plain = await t.call('/v1/sessions/traced2/runs', { json: { goal: 'hello', mode: 'wait' } });
      const own = plain.headers.get('x-trace-id');
      expect(own).toMatch(/^[0-9a-f]{32}$/);
      const last = api.requests.filter((r) => r.method === 'POST').at(-1)?.headers.traceparent;
      expect(String(last).split('-')[1]).toBe(own);
    } finally {
      await api.close();
    }
  });
});
