/**
 * Who may open what on the network. Cloud metadata services and link-local addresses are unreachable in every
 * spelling, whatever a manifest or the user's config says; a publisher's manifest never reaches loopback or
 * private addresses (only the user's own `plugins.grants` does); wildcards over shared hosting suffixes grant
 * nothing unless the user's config names them. Each class is run through the real runner.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startLoopbackServer } from '@roku/test-support';
import type { LoopbackServer } from '@roku/test-support';
import type { ResolvedAddress } from '../../src/capabilities/index.js';
import { createHarness, expectCapError, rejection } from './helpers.js';
import type { Harness } from './helpers.js';

const DNS: Record<string, ResolvedAddress[]> = {
  'imds.evil.test': [{ address: '169.254.169.254', family: 4 }],
  'mapped.evil.test': [{ address: '::ffff:169.254.169.254', family: 6 }],
  'nat64.evil.test': [{ address: '64:ff9b::a9fe:a9fe', family: 6 }],
  'ecs.evil.test': [{ address: '169.254.170.2', family: 4 }],
  'imds6.evil.test': [{ address: 'fd00:ec2::254', family: 6 }],
  'linklocal6.evil.test': [{ address: 'fe80::1', family: 6 }],
  'alibaba.evil.test': [{ address: '100.100.100.200', family: 4 }],
  'azure.evil.test': [{ address: '168.63.129.16', family: 4 }],
};
const asked: string[] = [];

let h: Harness;
let server: LoopbackServer;

beforeAll(async () => {
  h = await createHarness({
    lookup: (hostname) => {
      asked.push(hostname);
      const answer = DNS[hostname];
      return answer === undefined
        ? Promise.reject(Object.assign(new Error('not found'), { code: 'ENOTFOUND' }))
        : Promise.resolve(answer);
    },
  });
  server = await startLoopbackServer();
});
afterAll(async () => {
  await server.close();
  await h.close();
});
afterEach(async () => {
  await h.expectCanaryAlive();
});

/** Plugin body: the raw fetch.start of every URL in `input.urls`; the host's answers in order. */
const RAW_ALL = `const out = [];
for (const url of input.urls) {
  out.push(JSON.parse(await globalThis.__roku_host.cap(JSON.stringify({ op: 'fetch.start',
    args: { url, method: 'GET', headers: [], body: null, bodyEncoding: 'utf8' } }))));
}
return out;`;

const METADATA_PATTERNS = [
  'http://169.254.169.254',
  'http://2852039166',
  'http://0xa9fea9fe',
  'http://0251.0376.0251.0376',
  'http://169.254.43518',
  'http://0xa9.0xfe.0xa9.0xfe',
  'http://169.254.170.2',
  'http://[fd00:ec2::254]',
  'http://[::ffff:169.254.169.254]',
  'http://[64:ff9b::a9fe:a9fe]',
  'http://[fe80::1]:8080',
  'http://100.100.100.200',
  'http://168.63.129.16',
  'http://metadata.google.internal',
  'http://METADATA.google.internal',
  'http://metadata',
  'http://instance-data',
  'https://*.google.internal',
  'http://169.254.1.1:*',
];

describe('cloud metadata and link-local', () => {
  it.each(METADATA_PATTERNS)('refuses a manifest naming %s before any code runs', async (pattern) => {
    const error = await rejection(
      h.load('meta-manifest', { body: 'return 1;', permissions: { network: [pattern] } }),
    );
    expect(error.code).toBe('ROKU_PLUGIN_MANIFEST_INVALID');
    expect(error.message).toContain('/permissions/network/0');
    expect(error.message).toContain('can never be granted');
  });

  it('denies every metadata spelling as a URL even under "any host" grants from manifest and config', async () => {
    const sandbox = await h.load('meta-urls', {
      body: RAW_ALL,
      permissions: { network: ['http://*:*'] },
      grants: { network: ['http://*:*', 'http://169.254.169.254', 'http://metadata.google.internal'] },
    });
    const urls = [
      'http://169.254.169.254/latest/meta-data/',
      'http://2852039166/',
      'http://0xa9fea9fe/',
      'http://169.254.43518/',
      'http://0251.0376.0251.0376/',
      'http://[::ffff:a9fe:a9fe]/',
      'http://[64:ff9b::a9fe:a9fe]/',
      'http://[fe80::1]/',
      'http://[fd00:ec2::254]/',
      'http://100.100.100.200/',
      'http://168.63.129.16/',
      'http://metadata.google.internal./computeMetadata/v1/',
      'http://metadata/',
      'http://instance-data/',
    ];
    const replies = (await sandbox.call('tool:t', { urls })) as unknown[];
    expect(replies).toHaveLength(urls.length);
    for (const reply of replies) {
      expectCapError(reply, 'ROKU_CAPABILITY_DENIED', 'meta-urls');
      expect(JSON.stringify(reply)).toContain('never reachable');
    }
    expect(asked).not.toContain('metadata.google.internal.');
  });

  it('denies a name the user granted when it resolves into metadata or link-local ranges', async () => {
    const names = Object.keys(DNS);
    const sandbox = await h.load('meta-dns', {
      body: RAW_ALL,
      grants: { network: names.map((name) => `http://${name}`) },
    });
    const replies = (await sandbox.call('tool:t', { urls: names.map((n) => `http://${n}/`) })) as unknown[];
    replies.forEach((reply, i) => {
      expectCapError(reply, 'ROKU_CAPABILITY_DENIED', 'meta-dns');
      expect(JSON.stringify(reply)).toContain(`resolves to ${DNS[names[i] ?? '']?.[0]?.address ?? ''}`);
      expect(JSON.stringify(reply)).toContain('never reachable');
    });
  });
});

describe('loopback and private networks', () => {
  it('never reaches loopback through a manifest, in any spelling of localhost', async () => {
    const p = server.port;
    const spellings = [
      `localhost:${p}`,
      `LOCALHOST:${p}`,
      `localhost.:${p}`,
      `app.localhost:${p}`,
      `127.0.0.1:${p}`,
    ];
    const sandbox = await h.load('lo-manifest', {
      body: RAW_ALL,
      permissions: {
        network: [
          ...new Set(spellings.map((s) => `http://${s.replace('localhost.', 'localhost').toLowerCase()}`)),
        ],
      },
    });
    const before = server.requests.length;
    const replies = (await sandbox.call('tool:t', {
      urls: spellings.map((s) => `http://${s}/`),
    })) as unknown[];
    for (const reply of replies) {
      expectCapError(reply, 'ROKU_CAPABILITY_DENIED', 'lo-manifest');
      expect(JSON.stringify(reply)).toContain('manifest never opens loopback or private networks');
    }
    expect(server.requests.length).toBe(before);
    expect(asked.filter((name) => name.includes('localhost'))).toEqual([]);
  });

  it("reaches loopback when the user's config grants localhost, and only the granted port", async () => {
    const sandbox = await h.load('lo-user', {
      body: RAW_ALL,
      grants: { network: [`http://localhost:${server.port}`] },
    });
    const replies = (await sandbox.call('tool:t', {
      urls: [
        `http://localhost:${server.port}/granted`,
        `http://localhost.:${server.port}/dot`,
        `http://localhost:${server.port + 1}/`,
      ],
    })) as { ok: boolean; value?: { status: number } }[];
    expect(replies[0]).toMatchObject({ ok: true, value: { status: 200 } });
    expect(replies[1]).toMatchObject({ ok: true, value: { status: 200 } });
    expectCapError(replies[2], 'ROKU_CAPABILITY_DENIED', 'lo-user');
    expect(server.requests.map((r) => r.url)).toContain('/granted');
  });

  it('does not let a user wildcard reach loopback: a host must be named exactly', async () => {
    const sandbox = await h.load('lo-wild', {
      body: RAW_ALL,
      grants: { network: [`http://*.localhost:${server.port}`] },
    });
    const [reply] = (await sandbox.call('tool:t', {
      urls: [`http://app.localhost:${server.port}/`],
    })) as unknown[];
    expectCapError(reply, 'ROKU_CAPABILITY_DENIED', 'lo-wild');
  });
});

describe('wildcards over shared hosting suffixes', () => {
  const SHARED = [
    'https://*.github.io',
    'https://*.ngrok.io',
    'https://*.amazonaws.com',
    'https://*.workers.dev',
    'https://*.co.uk',
    'https://*.com',
  ];
  const HOSTS = [
    'https://alice.github.io/',
    'https://x.ngrok.io/',
    'https://b.s3.amazonaws.com/',
    'https://w.workers.dev/',
    'https://shop.co.uk/',
    'https://example.com/',
  ];

  it('grants nothing through a manifest wildcard whose base is a public suffix, without asking DNS', async () => {
    const sandbox = await h.load('psl-manifest', { body: RAW_ALL, permissions: { network: SHARED } });
    const before = asked.length;
    const replies = (await sandbox.call('tool:t', { urls: HOSTS })) as unknown[];
    replies.forEach((reply) => {
      expectCapError(reply, 'ROKU_CAPABILITY_DENIED', 'psl-manifest');
      expect(JSON.stringify(reply)).toMatch(/public suffix|public suffixes beneath it/);
      expect(JSON.stringify(reply)).toContain('plugins.grants');
    });
    expect(asked.length).toBe(before);
  });

  it("lets the user's config grant such a wildcard explicitly (the request then goes on to DNS)", async () => {
    const sandbox = await h.load('psl-user', {
      body: RAW_ALL,
      permissions: { network: ['https://*.github.io'] },
      grants: { network: ['https://*.github.io'] },
    });
    const [reply] = (await sandbox.call('tool:t', { urls: ['https://alice.github.io/'] })) as unknown[];
    expectCapError(reply, 'ROKU_CAPABILITY_FAILED', 'psl-user');
    expect(JSON.stringify(reply)).toContain('DNS lookup of alice.github.io failed');
  });
});
