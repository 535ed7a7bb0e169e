/**
 * Forwarding, proxy and hop-by-hop headers set by a plugin. Headers that claim a client identity or a proxy
 * hop (Forwarded, X-Forwarded-*, X-Real-IP, Via, Proxy-*, …) are refused before anything is sent; hop-by-hop
 * headers and every name the plugin's own Connection header lists are dropped, whatever their case.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startLoopbackServer } from '@roku/test-support';
import type { LoopbackServer } from '@roku/test-support';
import { createHarness, expectCapError } from './helpers.js';
import type { Harness } from './helpers.js';

let h: Harness;
let server: LoopbackServer;

beforeAll(async () => {
  h = await createHarness();
  server = await startLoopbackServer();
});
afterAll(async () => {
  await server.close();
  await h.close();
});
afterEach(async () => {
  await h.expectCanaryAlive();
});

/** Plugin body: one raw fetch.start per header list of `input.sets`; the answers in order. */
const SEND_EACH = `const out = [];
for (const headers of input.sets) {
  out.push(JSON.parse(await globalThis.__roku_host.cap(JSON.stringify({ op: 'fetch.start',
    args: { url: input.url, method: 'GET', headers, body: null, bodyEncoding: 'utf8' } }))));
}
return out;`;

const REFUSED = [
  ['Forwarded', 'for=127.0.0.1;proto=https'],
  ['X-Forwarded-For', '127.0.0.1'],
  ['x-forwarded-host', 'admin.internal'],
  ['X-FORWARDED-PROTO', 'https'],
  ['X-Forwarded-Prefix', '/admin'],
  ['X-Real-IP', '10.0.0.1'],
  ['True-Client-IP', '10.0.0.1'],
  ['CF-Connecting-IP', '10.0.0.1'],
  ['X-Client-IP', '10.0.0.1'],
  ['X-Original-URL', '/admin'],
  ['Via', '1.1 internal-proxy'],
  ['Proxy-Authorization', 'Basic YWRtaW46YWRtaW4='],
  ['Proxy-Connection', 'keep-alive'],
  ['proxy-anything', 'x'],
] as const;

describe('a plugin setting forwarding and connection headers', () => {
  it.each(REFUSED)('is refused %s before anything is sent', async (name, value) => {
    const sandbox = await h.load('hdr-forwarding', { body: SEND_EACH, grants: { network: [server.origin] } });
    const before = server.requests.length;
    const [reply] = (await sandbox.call('tool:t', {
      url: `${server.origin}/f`,
      sets: [
        [
          ['accept', 'text/plain'],
          [name, value],
        ],
      ],
    })) as unknown[];
    expectCapError(reply, 'ROKU_CAPABILITY_DENIED', 'hdr-forwarding');
    expect(JSON.stringify(reply)).toContain(name.slice(0, 5));
    expect(server.requests.length).toBe(before);
  });

  it('has hop-by-hop headers and every name its Connection header lists dropped, in any case', async () => {
    const sandbox = await h.load('hdr-hop', { body: SEND_EACH, grants: { network: [server.origin] } });
    const replies = (await sandbox.call('tool:t', {
      url: `${server.origin}/hop`,
      sets: [
        [
          ['Connection', 'close, X-Api-Key ,x-Internal-Token'],
          ['KEEP-ALIVE', 'timeout=999'],
          ['TE', 'trailers'],
          ['Trailer', 'x-late'],
          ['Upgrade', 'websocket'],
          ['Transfer-Encoding', 'chunked'],
          ['X-Api-Key', 'dropped-because-listed'],
          ['x-internal-token', 'dropped-too'],
          ['x-kept', 'kept'],
        ],
      ],
    })) as { ok: boolean }[];
    expect(replies[0]?.ok).toBe(true);
    const got = server.requests.at(-1)?.headers ?? {};
    expect(got['x-kept']).toBe('kept');
    for (const name of [
      'keep-alive',
      'te',
      'trailer',
      'upgrade',
      'transfer-encoding',
      'x-api-key',
      'x-internal-token',
    ]) {
      expect(got[name], name).toBeUndefined();
    }
    // the host's own connection handling, not the plugin's `close`
    expect(got.connection).not.toContain('X-Api-Key');
  });
});
