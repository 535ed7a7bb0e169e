import { afterEach, describe, expect, it } from 'vitest';
import { startLoopbackServer } from '@roku/test-support';
import type { ResolvedAddress } from '../../../src/capabilities/index.js';
import { createHarness, expectError, expectOk } from '../helpers.js';
import type { Harness } from '../helpers.js';

const open: { harness?: Harness | undefined } = {};

afterEach(async () => {
  await open.harness?.dispose();
  open.harness = undefined;
});

// Loopback servers close themselves after each test.
const server = startLoopbackServer;

function harness(options: Parameters<typeof createHarness>[0]): Harness {
  open.harness = createHarness(options);
  return open.harness;
}

function get(url: string, headers: [string, string][] = []) {
  return { url, method: 'GET', headers, body: null, bodyEncoding: 'utf8' };
}

const staticLookup =
  (...addresses: ResolvedAddress[]) =>
  (): Promise<ResolvedAddress[]> =>
    Promise.resolve(addresses);

describe('fetch: allowed origins', () => {
  it('streams a large body from an explicitly granted loopback origin in chunks of at most 64 KiB', async () => {
    const body = Buffer.alloc(200 * 1024, 'abcdefgh');
    const s = await server((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain', 'x-answer': '42' });
      res.end(body);
    });
    const h = harness({ grants: { network: [s.origin] } });
    const start = expectOk(await h.request('fetch.start', get(`${s.origin}/forecast?city=oslo`)));
    expect(start).toMatchObject({ status: 200, url: `${s.origin}/forecast?city=oslo`, redirected: false });
    expect(start.headers).toContainEqual(['x-answer', '42']);
    const read = await h.readAll(start);
    expect(read.error).toBeUndefined();
    expect(read.body.equals(body)).toBe(true);
    expect(read.chunks).toBeGreaterThanOrEqual(4);
  });

  it("allows localhost when the user's config names localhost, without asking DNS", async () => {
    const s = await server((_req, res) => res.end('hi'));
    const h = harness({
      grants: { network: [`http://localhost:${s.port}`] },
      lookup: () => Promise.reject(new Error('DNS must not be asked for localhost')),
    });
    const start = expectOk(await h.request('fetch.start', get(`http://localhost:${s.port}/`)));
    expect((await h.readAll(start)).body.toString()).toBe('hi');
    expect(s.requests[0]?.headers.host).toBe(`localhost:${s.port}`);
  });

  it('connects to the address it checked, so a second DNS answer cannot rebind the name', async () => {
    const s = await server((_req, res) => res.end('pinned'));
    const answers: ResolvedAddress[][] = [
      [{ address: '127.0.0.1', family: 4 }],
      [{ address: '10.0.0.7', family: 4 }],
    ];
    let lookups = 0;
    const h = harness({
      grants: { network: [`http://pinned.test:${s.port}`] },
      lookup: () => Promise.resolve(answers[lookups++] ?? []),
    });
    const start = expectOk(await h.request('fetch.start', get(`http://pinned.test:${s.port}/`)));
    expect((await h.readAll(start)).body.toString()).toBe('pinned');
    expect(lookups).toBe(1);
  });

  it('asks DNS once for a name fetched again soon, and reuses the connection to the address it checked', async () => {
    const ports = new Set<number | undefined>();
    const s = await server((_req, res) => {
      ports.add(res.socket?.remotePort);
      res.end('again');
    });
    let lookups = 0;
    const h = harness({
      grants: { network: [`http://kept.test:${s.port}`] },
      lookup: () => {
        lookups += 1;
        return Promise.resolve([{ address: '127.0.0.1', family: 4 }]);
      },
    });
    for (let i = 0; i < 3; i++) {
      const start = expectOk(await h.request('fetch.start', get(`http://kept.test:${s.port}/${i}`)));
      expect((await h.readAll(start)).body.toString()).toBe('again');
    }
    expect(lookups).toBe(1);
    expect(s.requests).toHaveLength(3);
    expect(ports.size).toBe(1);
  });

  it('keeps no failed DNS answer: the next request asks again', async () => {
    const s = await server((_req, res) => res.end('found'));
    let lookups = 0;
    const h = harness({
      grants: { network: [`http://flaky.test:${s.port}`] },
      lookup: () => {
        lookups += 1;
        return lookups === 1
          ? Promise.reject(Object.assign(new Error('getaddrinfo EAI_AGAIN'), { code: 'EAI_AGAIN' }))
          : Promise.resolve([{ address: '127.0.0.1', family: 4 }]);
      },
    });
    expectError(
      await h.request('fetch.start', get(`http://flaky.test:${s.port}/`)),
      'ROKU_CAPABILITY_FAILED',
    );
    const start = expectOk(await h.request('fetch.start', get(`http://flaky.test:${s.port}/`)));
    expect((await h.readAll(start)).body.toString()).toBe('found');
    expect(lookups).toBe(2);
  });

  it('reports a failed DNS lookup as an upstream failure', async () => {
    const h = harness({
      permissions: { network: ['https://api.weather.example'] },
      lookup: () => Promise.reject(Object.assign(new Error('getaddrinfo ENOTFOUND'), { code: 'ENOTFOUND' })),
    });
    const message = expectError(
      await h.request('fetch.start', get('https://api.weather.example/')),
      'ROKU_CAPABILITY_FAILED',
    );
    expect(message).toBe('@acme/weather: DNS lookup of api.weather.example failed: ENOTFOUND');
  });

  it('sends POST bodies and drops hop-by-hop headers', async () => {
    const s = await server((_req, res) => res.end('ok'));
    const h = harness({ grants: { network: [s.origin] } });
    expectOk(
      await h.request('fetch.start', {
        url: `${s.origin}/submit`,
        method: 'post',
        headers: [
          ['content-type', 'application/json'],
          ['te', 'trailers'],
          ['x-plugin', 'yes'],
        ],
        body: Buffer.from('{"a":1}').toString('base64'),
        bodyEncoding: 'base64',
      }),
    );
    expect(s.requests[0]).toMatchObject({ method: 'POST', body: '{"a":1}' });
    expect(s.requests[0]?.headers.te).toBeUndefined();
    expect(s.requests[0]?.headers['x-plugin']).toBe('yes');
  });
});

describe('fetch: denied origins', () => {
  it('denies a host that no network pattern names', async () => {
    const h = harness({ permissions: { network: ['https://api.weather.example'] } });
    const message = expectError(
      await h.request('fetch.start', get('https://evil.example/steal')),
      'ROKU_CAPABILITY_DENIED',
    );
    expect(message).toBe(
      '@acme/weather: network access to https://evil.example denied: not named in permissions.network',
    );
  });

  it('denies a port the pattern does not name, and non-default ports for patterns without a port', async () => {
    const s = await server((_req, res) => res.end('no'));
    const h = harness({
      permissions: {
        network: [`http://127.0.0.1:${s.port + 1 > 65535 ? 1 : s.port + 1}`, 'https://api.weather.example'],
      },
    });
    expectError(await h.request('fetch.start', get(`${s.origin}/`)), 'ROKU_CAPABILITY_DENIED');
    expectError(
      await h.request('fetch.start', get('https://api.weather.example:8443/')),
      'ROKU_CAPABILITY_DENIED',
    );
    expect(s.requests).toHaveLength(0);
  });

  it('matches *.example.com against subdomains only', async () => {
    const h = harness({
      permissions: { network: ['https://*.weather.example'] },
      lookup: staticLookup({ address: '10.0.0.1', family: 4 }),
    });
    const apex = expectError(
      await h.request('fetch.start', get('https://weather.example/')),
      'ROKU_CAPABILITY_DENIED',
    );
    expect(apex).toContain('not named in permissions.network');
    // The subdomain matches the pattern and then fails on its private address, not on the pattern.
    const sub = expectError(
      await h.request('fetch.start', get('https://api.weather.example/')),
      'ROKU_CAPABILITY_DENIED',
    );
    expect(sub).toContain('private address');
  });

  it('refuses non-http schemes, credentials in URLs and Host overrides', async () => {
    const h = harness({ permissions: { network: ['https://*'] } });
    expectError(await h.request('fetch.start', get('file:///etc/passwd')), 'ROKU_CAPABILITY_DENIED');
    expectError(
      await h.request('fetch.start', get('https://user:pw@api.example/')),
      'ROKU_CAPABILITY_BAD_REQUEST',
    );
    expectError(
      await h.request('fetch.start', get('https://api.example/', [['Host', 'internal.example']])),
      'ROKU_CAPABILITY_DENIED',
    );
  });

  it.each([
    ['127.0.0.1', 4, 'loopback address'],
    ['10.1.2.3', 4, 'private address'],
    ['169.254.169.254', 4, 'link-local address'],
    ['::ffff:127.0.0.1', 6, 'IPv4-mapped address (embeds 127.0.0.1: loopback)'],
    ['fd00::1', 6, 'unique-local address'],
    ['100.64.0.1', 4, 'shared (CGNAT) address'],
  ] as const)('refuses a DNS name that resolves to %s', async (address, family, reason) => {
    const h = harness({
      permissions: { network: ['https://*.attacker.example'] },
      lookup: staticLookup({ address, family }),
    });
    const message = expectError(
      await h.request('fetch.start', get('https://rebind.attacker.example/')),
      'ROKU_CAPABILITY_DENIED',
    );
    expect(message).toContain(`resolves to ${address}`);
    expect(message).toContain(reason);
  });

  it('refuses a name when any one of its addresses is private', async () => {
    const h = harness({
      permissions: { network: ['https://api.example'] },
      lookup: staticLookup({ address: '93.184.215.14', family: 4 }, { address: '192.168.1.1', family: 4 }),
    });
    expectError(await h.request('fetch.start', get('https://api.example/')), 'ROKU_CAPABILITY_DENIED');
  });

  it.each([
    ['http://2130706433/', '127.0.0.1'],
    ['http://0x7f.1/', '127.0.0.1'],
    ['http://0177.0.0.1/', '127.0.0.1'],
    ['http://169.254.169.254/latest/meta-data/', '169.254.169.254'],
    ['http://[::ffff:7f00:1]/', '[::ffff:7f00:1]'],
    ['http://[::]/', '[::]'],
  ])('refuses the IP literal %s even when every host is allowed', async (url, normalised) => {
    const h = harness({ permissions: { network: ['http://*:*'] } });
    const message = expectError(await h.request('fetch.start', get(url)), 'ROKU_CAPABILITY_DENIED');
    expect(message).toContain(`network access to http://${normalised} denied`);
  });
});

describe('fetch: redirects', () => {
  it('follows up to 5 redirects, re-checking each hop, and refuses a sixth', async () => {
    const s = await server((req, res) => {
      const n = Number(new URL(req.url, 'http://x').searchParams.get('n'));
      if (n > 0) res.writeHead(302, { location: `/hop?n=${n - 1}` }).end();
      else res.end('landed');
    });
    const h = harness({ grants: { network: [s.origin] } });
    const ok = expectOk(await h.request('fetch.start', get(`${s.origin}/hop?n=5`)));
    expect(ok).toMatchObject({ status: 200, redirected: true, url: `${s.origin}/hop?n=0` });
    const message = expectError(
      await h.request('fetch.start', get(`${s.origin}/hop?n=6`), { callId: 'call-2' }),
      'ROKU_CAPABILITY_FAILED',
    );
    expect(message).toContain('more than 5 redirects');
  });

  it('refuses a redirect to a host the plugin may not reach', async () => {
    const s = await server((_req, res) =>
      res.writeHead(301, { location: 'http://169.254.169.254/latest/' }).end(),
    );
    const h = harness({ grants: { network: [s.origin] } });
    const message = expectError(
      await h.request('fetch.start', get(`${s.origin}/`)),
      'ROKU_CAPABILITY_DENIED',
    );
    expect(message).toContain('network access to http://169.254.169.254 denied');
    expect(message).toContain(`redirected from ${s.origin}`);
  });

  it('turns a 303 after POST into a GET without body', async () => {
    const s = await server((req, res) => {
      if (req.url === '/post') res.writeHead(303, { location: '/result' }).end();
      else res.end('done');
    });
    const h = harness({ grants: { network: [s.origin] } });
    expectOk(
      await h.request('fetch.start', {
        url: `${s.origin}/post`,
        method: 'POST',
        headers: [['content-type', 'text/plain']],
        body: 'payload',
        bodyEncoding: 'utf8',
      }),
    );
    expect(s.requests.map((r) => [r.method, r.url, r.body])).toEqual([
      ['POST', '/post', 'payload'],
      ['GET', '/result', ''],
    ]);
    expect(s.requests[1]?.headers['content-type']).toBeUndefined();
  });
});

describe('fetch: secrets', () => {
  it('substitutes a granted secret into the header that reaches the server and never returns it', async () => {
    const s = await server((_req, res) => res.end('fine'));
    const h = harness({
      permissions: { secrets: ['WEATHER_TOKEN'] },
      grants: { network: [s.origin] },
      secrets: { WEATHER_TOKEN: 'tok-s3cr3t' },
    });
    const reply = await h.broker.handle(
      JSON.stringify({
        op: 'fetch.start',
        args: get(`${s.origin}/`, [['authorization', 'Bearer {{secret:WEATHER_TOKEN}}']]),
      }),
      { callId: 'call-1' },
    );
    expect(s.requests[0]?.headers.authorization).toBe('Bearer tok-s3cr3t');
    expect(reply).not.toContain('tok-s3cr3t');
    const started = (JSON.parse(reply) as { value: Record<string, unknown> }).value;
    expect((await h.readAll(started)).body.toString()).toBe('fine');
    expect(JSON.stringify(h.logLines)).not.toContain('tok-s3cr3t');
  });

  it('drops secret-bearing and credential headers on a redirect to another origin', async () => {
    const b = await server((_req, res) => res.end('b'));
    const a = await server((_req, res) => res.writeHead(307, { location: `${b.origin}/next` }).end());
    const h = harness({
      permissions: { secrets: ['WEATHER_TOKEN'] },
      grants: { network: [a.origin, b.origin] },
      secrets: { WEATHER_TOKEN: 'tok-s3cr3t' },
    });
    expectOk(
      await h.request(
        'fetch.start',
        get(`${a.origin}/`, [
          ['x-api-key', '{{secret:WEATHER_TOKEN}}'],
          ['cookie', 'session=1'],
          ['accept', 'text/plain'],
        ]),
      ),
    );
    expect(a.requests[0]?.headers['x-api-key']).toBe('tok-s3cr3t');
    expect(b.requests[0]?.headers['x-api-key']).toBeUndefined();
    expect(b.requests[0]?.headers.cookie).toBeUndefined();
    expect(b.requests[0]?.headers.accept).toBe('text/plain');
  });

  it('denies a placeholder for a secret the manifest does not grant, or one the host lacks', async () => {
    const s = await server((_req, res) => res.end('no'));
    const h = harness({
      permissions: { secrets: ['GRANTED'] },
      grants: { network: [s.origin] },
      secrets: { OTHER: 'x' },
    });
    const ungranted = expectError(
      await h.request('fetch.start', get(`${s.origin}/`, [['authorization', '{{secret:OTHER}}']])),
      'ROKU_CAPABILITY_DENIED',
    );
    expect(ungranted).toContain(
      'secret "OTHER" in header "authorization" denied: not named in permissions.secrets',
    );
    expectError(
      await h.request('fetch.start', get(`${s.origin}/`, [['authorization', '{{secret:GRANTED}}']])),
      'ROKU_CAPABILITY_DENIED',
    );
    expect(s.requests).toHaveLength(0);
  });

  it('refuses secret placeholders in the URL and the body', async () => {
    const s = await server((_req, res) => res.end('no'));
    const h = harness({
      permissions: { secrets: ['TOKEN'] },
      grants: { network: [s.origin] },
      secrets: { TOKEN: 'v' },
    });
    expectError(
      await h.request('fetch.start', get(`${s.origin}/?k={{secret:TOKEN}}`)),
      'ROKU_CAPABILITY_DENIED',
    );
    expectError(
      await h.request('fetch.start', {
        url: `${s.origin}/`,
        method: 'POST',
        headers: [],
        body: '{{secret:TOKEN}}',
        bodyEncoding: 'utf8',
      }),
      'ROKU_CAPABILITY_DENIED',
    );
    expect(s.requests).toHaveLength(0);
  });
});

describe('fetch: limits and streams', () => {
  it('counts requests per call, redirects included, and resets when the call ends', async () => {
    const s = await server((req, res) => {
      if (req.url === '/redirect') res.writeHead(302, { location: '/' }).end();
      else res.end('x');
    });
    const h = harness({ grants: { network: [s.origin] }, limits: { httpRequestsPerCall: 3 } });
    expectOk(await h.request('fetch.start', get(`${s.origin}/`)));
    expectOk(await h.request('fetch.start', get(`${s.origin}/redirect`)));
    const message = expectError(await h.request('fetch.start', get(`${s.origin}/`)), 'ROKU_CAPABILITY_LIMIT');
    expect(message).toContain('limits.httpRequestsPerCall = 3');
    expectOk(await h.request('fetch.start', get(`${s.origin}/`), { callId: 'call-2' }));
    h.broker.endCall('call-1');
    expectOk(await h.request('fetch.start', get(`${s.origin}/`)));
  });

  it('stops reading once the response bytes of a call pass limits.httpResponseBytes', async () => {
    const s = await server((_req, res) => res.end(Buffer.alloc(8192, 'z')));
    const h = harness({ grants: { network: [s.origin] }, limits: { httpResponseBytes: 4096 } });
    const start = expectOk(await h.request('fetch.start', get(`${s.origin}/`)));
    const read = await h.readAll(start);
    expect(read.error === undefined ? '' : expectError(read.error, 'ROKU_CAPABILITY_LIMIT')).toContain(
      'limits.httpResponseBytes = 4096',
    );
  });

  it('cancels a stream, and ending the call closes streams it left open', async () => {
    const s = await server((_req, res) => res.end('data'));
    const h = harness({ grants: { network: [s.origin] } });
    const first = expectOk(await h.request('fetch.start', get(`${s.origin}/`)));
    expectOk(await h.request('fetch.cancel', { streamId: first.streamId }));
    expectError(await h.request('fetch.read', { streamId: first.streamId }), 'ROKU_CAPABILITY_BAD_REQUEST');
    // a stream that is gone has nothing left to cancel (a plugin aborting after the body ended)
    expectOk(await h.request('fetch.cancel', { streamId: first.streamId }));
    const second = expectOk(await h.request('fetch.start', get(`${s.origin}/`)));
    expectError(
      await h.request('fetch.read', { streamId: second.streamId }, { callId: 'other' }),
      'ROKU_CAPABILITY_BAD_REQUEST',
    );
    // another call's open stream is not this call's to cancel
    expectError(
      await h.request('fetch.cancel', { streamId: second.streamId }, { callId: 'other' }),
      'ROKU_CAPABILITY_BAD_REQUEST',
    );
    h.broker.endCall('call-1');
    expectError(await h.request('fetch.read', { streamId: second.streamId }), 'ROKU_CAPABILITY_BAD_REQUEST');
  });

  it('fails a request whose call is aborted', async () => {
    let arrive = (): void => undefined;
    const arrived = new Promise<void>((resolve) => (arrive = resolve));
    const s = await server(() => {
      // Never answers: only the abort ends the request.
      arrive();
    });
    const h = harness({ grants: { network: [s.origin] } });
    const controller = new AbortController();
    const pending = h.request('fetch.start', get(`${s.origin}/`), {
      callId: 'call-1',
      signal: controller.signal,
    });
    // Abort once the request is in flight at the server.
    await arrived;
    controller.abort();
    expect(expectError(await pending, 'ROKU_CAPABILITY_FAILED')).toContain('aborted');
  });

  it('sends a traceparent in the trace of the call’s run, a new span each request, replacing the plugin’s own', async () => {
    const s = await server((_req, res) => res.end('ok'));
    const h = harness({ grants: { network: [s.origin] } });
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const scope = { callId: 'call-1', context: { traceId } };
    const forged: [string, string][] = [
      ['traceparent', '00-11111111111111111111111111111111-2222222222222222-01'],
      ['tracestate', 'forged=1'],
    ];
    for (let i = 0; i < 2; i += 1) {
      await h.readAll(expectOk(await h.request('fetch.start', get(`${s.origin}/`, forged), scope)), scope);
    }
    const sent = s.requests.map((r) => String(r.headers.traceparent));
    expect(sent.map((v) => v.replace(/-[0-9a-f]{16}-/, '-<span>-'))).toEqual([
      `00-${traceId}-<span>-01`,
      `00-${traceId}-<span>-01`,
    ]);
    expect(sent[0]).not.toBe(sent[1]);
    expect(s.requests[0]?.headers.tracestate).toBeUndefined();
    // A call without a trace (no run, or a context without a valid id) sends the plugin's headers as they are.
    await h.readAll(
      expectOk(
        await h.request('fetch.start', get(`${s.origin}/`, forged), {
          callId: 'call-2',
          context: { traceId: 'x' },
        }),
      ),
      { callId: 'call-2' },
    );
    expect(s.requests[2]?.headers.traceparent).toBe(forged[0]?.[1]);
  });
});
