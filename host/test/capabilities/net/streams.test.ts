import { afterEach, describe, expect, it } from 'vitest';
import { startLoopbackServer } from '@roku/test-support';
import { createHarness, expectOk } from '../helpers.js';
import type { Harness } from '../helpers.js';

const open: { harness?: Harness | undefined } = {};

afterEach(async () => {
  await open.harness?.dispose();
  open.harness = undefined;
});

function harness(options: Parameters<typeof createHarness>[0]): Harness {
  open.harness = createHarness(options);
  return open.harness;
}

function get(url: string, headers: [string, string][] = []) {
  return { url, method: 'GET', headers, body: null, bodyEncoding: 'utf8', firstChunk: 'inline' };
}

const text = (chunk: unknown): string => Buffer.from(chunk as string, 'base64').toString();

describe('fetch: response bodies handed over as they arrive', () => {
  it('sends the bytes that came with the headers in the fetch.start reply and the rest to a read already waiting', async () => {
    let finish: (() => void) | undefined;
    const s = await startLoopbackServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('data: first\n\n');
      finish = () => res.end('data: rest\n\n');
    });
    const h = harness({ grants: { network: [s.origin] } });
    const start = expectOk(await h.request('fetch.start', get(`${s.origin}/stream`)));
    expect(text(start.chunk)).toBe('data: first\n\n');
    expect(start.done).toBe(false);
    // the read is asked for before the server sent the rest: it answers when the bytes arrive
    const waiting = h.request('fetch.read', { streamId: start.streamId });
    finish?.();
    const next = expectOk(await waiting);
    expect(text(next.chunk)).toBe('data: rest\n\n');
    expect(expectOk(await h.request('fetch.read', { streamId: start.streamId })).done).toBe(true);
  });

  it('leaves every byte to fetch.read for a plugin that does not ask for them inline (the wasm httpGet)', async () => {
    const s = await startLoopbackServer((_req, res) => res.end('whole body'));
    const h = harness({ grants: { network: [s.origin] } });
    const args = { url: `${s.origin}/`, method: 'GET', headers: [], body: null, bodyEncoding: 'utf8' };
    const start = expectOk(await h.request('fetch.start', args));
    expect(start.chunk).toBeUndefined();
    const read = expectOk(await h.request('fetch.read', { streamId: start.streamId }));
    expect(text(read.chunk)).toBe('whole body');
  });

  it('redacts a secret echoed in the first bytes before they ride on the fetch.start reply', async () => {
    const s = await startLoopbackServer((req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write(`you sent ${String(req.headers.authorization)}\n`);
      setImmediate(() => res.end('bye'));
    });
    const h = harness({
      permissions: { secrets: ['WEATHER_TOKEN'] },
      grants: { network: [s.origin] },
      secrets: { WEATHER_TOKEN: 'tok-s3cr3t-value' },
    });
    const reply = await h.broker.handle(
      JSON.stringify({
        op: 'fetch.start',
        args: get(`${s.origin}/`, [['authorization', 'Bearer {{secret:WEATHER_TOKEN}}']]),
      }),
      { callId: 'call-1' },
    );
    expect(reply).not.toContain('tok-s3cr3t-value');
    const started = (JSON.parse(reply) as { value: Record<string, unknown> }).value;
    const read = await h.readAll(started);
    expect(read.body.toString()).toBe('you sent Bearer [secret WEATHER_TOKEN redacted by roku]\nbye');
    expect(read.body.toString()).not.toContain('s3cr3t');
  });
});
