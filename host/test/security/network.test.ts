/**
 * Hostile plugins on the network: ungranted hosts, redirects to forbidden servers, DNS names resolving to
 * private or loopback addresses, numeric and IPv6 spellings of loopback, and secret placeholders in places
 * where the host never substitutes them. Loopback servers record every request they get.
 */
import type { ServerResponse } from 'node:http';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startLoopbackServer } from '@roku/test-support';
import type { LoopbackServer, RecordedRequest } from '@roku/test-support';
import type { ResolvedAddress } from '../../src/capabilities/index.js';
import { SECRET_NAME, SECRET_VALUE, createHarness, expectCapError } from './helpers.js';
import type { Harness } from './helpers.js';

/** DNS answers of the fake resolver; anything else fails like NXDOMAIN. */
const DNS: Record<string, ResolvedAddress[]> = {
  'private.evil.test': [{ address: '10.0.0.1', family: 4 }],
  'metadata.evil.test': [{ address: '169.254.169.254', family: 4 }],
  'loopback.evil.test': [{ address: '127.0.0.1', family: 4 }],
  'mixed.evil.test': [
    { address: '93.184.216.34', family: 4 },
    { address: '::ffff:127.0.0.1', family: 6 },
  ],
};

let h: Harness;
let allowed: LoopbackServer;
let forbidden: LoopbackServer;
let redirector: LoopbackServer;

const redirectTo =
  (target: () => string) =>
  (_req: RecordedRequest, res: ServerResponse): void => {
    res.writeHead(302, { location: target() });
    res.end();
  };

beforeAll(async () => {
  h = await createHarness({
    lookup: (hostname) => {
      const answer = DNS[hostname];
      return answer === undefined
        ? Promise.reject(Object.assign(new Error('not found'), { code: 'ENOTFOUND' }))
        : Promise.resolve(answer);
    },
  });
  allowed = await startLoopbackServer();
  forbidden = await startLoopbackServer();
  redirector = await startLoopbackServer(redirectTo(() => `${forbidden.origin}/stolen`));
});
afterAll(async () => {
  await Promise.all([allowed.close(), forbidden.close(), redirector.close()]);
  await h.close();
});
afterEach(async () => {
  expect(forbidden.requests).toEqual([]);
  await h.expectCanaryAlive();
});

/** Plugin body: fetch each URL of `input.urls` with global fetch; report status or the capability error. */
const FETCH_ALL = `const out = [];
for (const url of input.urls) {
  try { const r = await fetch(url, input.init); out.push({ status: r.status, body: await r.text() }); }
  catch (e) { out.push({ name: e.name, code: e.cause && e.cause.code, message: e.cause && e.cause.message }); }
}
return out;`;

/** Plugin body: the raw fetch.start capability for `input.args`, returned as the host answered it. */
const RAW_FETCH = `return cap('fetch.start', { method: 'GET', headers: [], body: null, bodyEncoding: 'utf8', ...input.args });`;

type FetchOutcome = { status?: number; body?: string; code?: string; message?: string };

describe('a hostile plugin on the network', () => {
  it('is denied a host it was not granted (global fetch)', async () => {
    const sandbox = await h.load('net-ungranted', {
      body: FETCH_ALL,
      grants: { network: [allowed.origin] },
    });
    const [denied, ok] = (await sandbox.call('tool:t', {
      urls: [`${forbidden.origin}/x`, `${allowed.origin}/y`],
    })) as FetchOutcome[];
    expect(denied).toMatchObject({ code: 'ROKU_CAPABILITY_DENIED' });
    expect(denied?.message).toContain('@evil/net-ungranted');
    expect(ok).toMatchObject({ status: 200 });
    expect(allowed.requests.at(-1)?.url).toBe('/y');
  });

  it('is denied a redirect from an allowed server to a forbidden one (raw cap)', async () => {
    const sandbox = await h.load('net-redirect', {
      body: RAW_FETCH,
      grants: { network: [redirector.origin] },
    });
    const reply = await sandbox.call('tool:t', { args: { url: `${redirector.origin}/start` } });
    expectCapError(reply, 'ROKU_CAPABILITY_DENIED', 'net-redirect');
    expect(JSON.stringify(reply)).toContain('redirected from');
    expect(redirector.requests.length).toBeGreaterThan(0);
  });

  it.each([
    ['private.evil.test', '10.0.0.1'],
    ['metadata.evil.test', '169.254.169.254'],
    ['loopback.evil.test', '127.0.0.1'],
    ['mixed.evil.test', '::ffff:127.0.0.1'],
  ])('is denied %s although the name is granted, because it resolves to %s', async (name, address) => {
    const id = `net-dns-${name.split('.')[0] ?? ''}`;
    const sandbox = await h.load(id, {
      body: RAW_FETCH,
      permissions: { network: [`http://${name}:${forbidden.port}`] },
    });
    const reply = await sandbox.call('tool:t', { args: { url: `http://${name}:${forbidden.port}/meta` } });
    expectCapError(reply, 'ROKU_CAPABILITY_DENIED', id);
    expect(JSON.stringify(reply)).toContain(address);
  });

  it('is denied decimal, hex, octal and IPv6 spellings of loopback when only a DNS name is granted', async () => {
    const p = forbidden.port;
    const sandbox = await h.load('net-literals', {
      body: FETCH_ALL,
      permissions: { network: [`http://loopback.evil.test:${p}`, `http://*.evil.test:${p}`] },
    });
    const urls = [
      `http://2130706433:${p}/`,
      `http://0x7f000001:${p}/`,
      `http://0177.0.0.1:${p}/`,
      `http://127.1:${p}/`,
      `http://[::1]:${p}/`,
      `http://[::ffff:127.0.0.1]:${p}/`,
      `http://[::ffff:7f00:1]:${p}/`,
      `http://[0:0:0:0:0:0:0:1]:${p}/`,
      `http://localhost:${p}/`,
      `http://127.0.0.1.nip.io.evil.test:${p}/`,
    ];
    const outcomes = (await sandbox.call('tool:t', { urls })) as FetchOutcome[];
    expect(outcomes).toHaveLength(urls.length);
    // the last one matches *.evil.test but does not resolve in the fake DNS
    for (const o of outcomes.slice(0, -1)) expect(o.code).toBe('ROKU_CAPABILITY_DENIED');
    expect(outcomes.at(-1)?.code).toBe('ROKU_CAPABILITY_FAILED');
  });

  it('cannot put a secret placeholder in the URL or the body, nor name an ungranted secret', async () => {
    const sandbox = await h.load('net-secret-places', {
      body: `const base = { method: 'POST', headers: [], body: null, bodyEncoding: 'utf8', url: input.origin + '/s' };
      const ask = (over) => cap('fetch.start', { ...base, ...over });
      return [
        await ask({ url: input.origin + '/?k={{secret:${SECRET_NAME}}}' }),
        await ask({ url: input.origin + '/{{ secret:${SECRET_NAME} }}' }),
        await ask({ body: 'key={{secret:${SECRET_NAME}}}' }),
        await ask({ body: btoa('key={{secret:${SECRET_NAME}}}'), bodyEncoding: 'base64' }),
        await ask({ headers: [['x-key', '{{secret:ROKU_TEST_PRIVATE}}']] }),
        await ask({ headers: [['x-key', '{{secret:NOT_GRANTED}}']] }),
        await ask({ headers: [['{{secret:${SECRET_NAME}}}', 'v']] }),
        await ask({ headers: [['x-key', '{{Secret:${SECRET_NAME}}}']] }),
      ];`,
      permissions: { secrets: [SECRET_NAME] },
      grants: { network: [allowed.origin] },
    });
    const before = allowed.requests.length;
    const replies = (await sandbox.call('tool:t', { origin: allowed.origin })) as unknown[];
    expect(replies).toHaveLength(8);
    for (const r of replies) expectCapError(r, 'ROKU_CAPABILITY_DENIED', 'net-secret-places');
    expect(allowed.requests.length).toBe(before);
    expect(JSON.stringify(replies)).not.toContain(SECRET_VALUE);
  });

  it('never sees the secret, not even where the allowed server echoes it or after a cross-origin redirect', async () => {
    const silent = await startLoopbackServer((_req, res) => {
      res.setHeader('x-upstream', 'quiet');
      res.end('no echo here');
    });
    const hop = await startLoopbackServer(redirectTo(() => `${allowed.origin}/after-redirect`));
    try {
      const sandbox = await h.load('net-secret-flow', {
        body: `const send = async (url) => {
          const r = await fetch(url, { headers: { authorization: 'Bearer {{secret:${SECRET_NAME}}}', 'x-plain': 'p' } });
          return { status: r.status, url: r.url, headers: [...r.headers], body: await r.text() };
        };
        return { echoed: await send(input.echo), silent: await send(input.silent), redirected: await send(input.hop),
          env: await cap('env.get', { name: '${SECRET_NAME}' }) };`,
        permissions: { secrets: [SECRET_NAME] },
        grants: { network: [allowed.origin, silent.origin, hop.origin] },
      });
      const result = (await sandbox.call('tool:t', {
        echo: `${allowed.origin}/echo`,
        silent: silent.origin,
        hop: hop.origin,
      })) as Record<string, unknown>;
      const { echoed, silent: quiet, redirected, env } = result as Record<string, { body: string }>;
      // the echo reaches the plugin with the secret replaced by a marker (secret-reflection.test.ts has the class)
      expect(echoed?.body).toContain(`[secret ${SECRET_NAME} redacted by roku]`);
      expect(JSON.stringify(echoed)).not.toContain(SECRET_VALUE);
      expect(silent.requests[0]?.headers.authorization).toBe(`Bearer ${SECRET_VALUE}`);
      expect(JSON.stringify(quiet)).not.toContain(SECRET_VALUE);
      expect(hop.requests[0]?.headers.authorization).toBe(`Bearer ${SECRET_VALUE}`);
      expect(allowed.requests.at(-1)?.url).toBe('/after-redirect');
      expect(allowed.requests.at(-1)?.headers.authorization).toBeUndefined();
      expect(JSON.stringify(redirected)).not.toContain(SECRET_VALUE);
      expectCapError(env, 'ROKU_CAPABILITY_DENIED', 'net-secret-flow');
      expect(JSON.stringify(env)).not.toContain(SECRET_VALUE);
    } finally {
      await Promise.all([silent.close(), hop.close()]);
    }
  });

  it('cannot override Host, smuggle header lines, use credentials in the URL or other schemes', async () => {
    const sandbox = await h.load('net-smuggle', {
      body: `const base = { method: 'GET', headers: [], body: null, bodyEncoding: 'utf8', url: input.origin + '/' };
      const ask = (over) => cap('fetch.start', { ...base, ...over });
      return [
        await ask({ headers: [['host', '127.0.0.1:' + input.forbiddenPort]] }),
        await ask({ headers: [['x-a', 'b\\r\\nhost: evil']] }),
        await ask({ url: input.origin.replace('http://', 'http://user:pw@') + '/' }),
        await ask({ url: 'file:///etc/passwd' }),
        await ask({ url: 'http://127.0.0.1:' + input.forbiddenPort + '/' }),
        await ask({ method: 'CONNECT' }),
      ];`,
      grants: { network: [allowed.origin] },
    });
    const replies = (await sandbox.call('tool:t', {
      origin: allowed.origin,
      forbiddenPort: forbidden.port,
    })) as unknown[];
    const codes = replies.map((r) => (r as { error?: { code?: string } }).error?.code);
    expect(codes).toEqual([
      'ROKU_CAPABILITY_DENIED',
      'ROKU_CAPABILITY_BAD_REQUEST',
      'ROKU_CAPABILITY_BAD_REQUEST',
      'ROKU_CAPABILITY_DENIED',
      'ROKU_CAPABILITY_DENIED',
      'ROKU_CAPABILITY_BAD_REQUEST',
    ]);
    for (const r of replies) expect(JSON.stringify(r)).toContain('@evil/net-smuggle');
  });
});
