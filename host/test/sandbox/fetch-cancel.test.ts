/**
 * A plugin that stops reading a response (cancels its body) closes the host's upstream connection: the cancel
 * goes to the host one-way, and a cancel that comes after the stream ended changes nothing.
 */
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness } from '../security/helpers.js';
import type { Harness } from '../security/helpers.js';

let h: Harness;
let server: Server;
let origin: string;
/** Resolves when the connection of the streaming response closes. */
let streamClosed: Promise<void>;

beforeAll(async () => {
  h = await createHarness();
  let closed = (): void => undefined;
  streamClosed = new Promise((resolve) => {
    closed = resolve;
  });
  server = createServer((req, res) => {
    if (req.url === '/short') {
      res.end('all of it');
      return;
    }
    // an endless stream: only the client going away ends it
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.write('first');
    const tick = setInterval(() => res.write('more'), 20);
    res.on('close', () => {
      clearInterval(tick);
      closed();
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  origin = `http://127.0.0.1:${String((server.address() as AddressInfo).port)}`;
});
afterAll(async () => {
  await h.close();
  server.closeAllConnections();
  server.close();
});

describe('a plugin cancelling a response body', () => {
  it('closes the upstream connection of an endless stream', async () => {
    const sandbox = await h.load('cancels', {
      body: `const res = await fetch(input.url);
        const reader = res.body.getReader();
        const first = await reader.read();
        await reader.cancel();
        // the call goes on: ending it would close the stream anyway
        await new Promise((resolve) => setTimeout(resolve, 1500));
        return new TextDecoder().decode(first.value);`,
      permissions: { network: [origin] },
      grants: { network: [origin] },
      limits: { wallMsPerCall: 10_000 },
    });
    const call = sandbox.call('tool:t', { url: `${origin}/endless` });
    const first = await Promise.race([
      streamClosed.then(() => 'connection closed'),
      call.then(() => 'call ended'),
    ]);
    expect(first).toBe('connection closed');
    await expect(call).resolves.toBe('first');
  });

  it('cancels after the body ended without failing the call, and again on the next call', async () => {
    const sandbox = await h.load('cancels-late', {
      body: `const ac = new AbortController();
        const res = await fetch(input.url, { signal: ac.signal });
        const text = await res.text();
        await res.body?.cancel().catch(() => undefined);
        ac.abort();
        return text;`,
      permissions: { network: [origin] },
      grants: { network: [origin] },
    });
    for (let i = 0; i < 3; i++) {
      await expect(sandbox.call('tool:t', { url: `${origin}/short` }, { session: 'late' })).resolves.toBe(
        'all of it',
      );
    }
  });
});
