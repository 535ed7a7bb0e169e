/**
 * Secrets reflected back by an allowed origin. The host substitutes a secret into a request header; servers
 * that echo it (in headers, in the body, split across chunks, base64- or URL-encoded, JSON-escaped, or stored
 * and served to a later request without the secret) must never hand it to the sandbox: every occurrence is
 * replaced by a marker, and a compressed body that could hide one is refused.
 */
import { gzipSync } from 'node:zlib';
import type { ServerResponse } from 'node:http';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startLoopbackServer } from '@roku/test-support';
import type { LoopbackServer, RecordedRequest } from '@roku/test-support';
import { SECRET_NAME, SECRET_VALUE, createHarness } from './helpers.js';
import type { Harness } from './helpers.js';

const MARKER = `[secret ${SECRET_NAME} redacted by roku]`;
let h: Harness;
let server: LoopbackServer;
let stored = '';

/** Every form of the secret a test looks for in what the plugin got back. */
function leakedForms(): string[] {
  const b64 = (s: string): string => Buffer.from(s).toString('base64');
  return [
    SECRET_VALUE,
    encodeURIComponent(SECRET_VALUE),
    b64(SECRET_VALUE).slice(0, 12),
    b64(`x${SECRET_VALUE}`).slice(4, 16),
    b64(`xy${SECRET_VALUE}`).slice(4, 16),
  ];
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Writes `parts` as separate chunks, pausing between them so each arrives on its own. */
async function writeSlowly(res: ServerResponse, parts: string[]): Promise<void> {
  res.writeHead(200, { 'content-type': 'text/plain' });
  for (const part of parts) {
    res.write(part);
    await sleep(15);
  }
  res.end();
}

/** One string per character (the text is ASCII). */
function bytesOf(text: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < text.length; i += 1) out.push(text.charAt(i));
  return out;
}

function handler(req: RecordedRequest, res: ServerResponse): void {
  const auth = req.headers.authorization ?? '';
  const url = new URL(req.url, 'http://x');
  const at = Number(url.searchParams.get('at') ?? '0');
  switch (url.pathname) {
    case '/header':
      res.writeHead(200, { 'x-echo': auth, 'x-echo-b64': Buffer.from(auth).toString('base64') });
      res.end('ok');
      return;
    case '/status':
      res.statusMessage = `Bad key ${auth}`;
      res.writeHead(401);
      res.end();
      return;
    case '/json':
      res.end(JSON.stringify({ headers: req.headers }));
      return;
    case '/b64':
      res.end(`blob=${Buffer.from(`GET / HTTP/1.1\r\nauthorization: ${auth}\r\n`).toString('base64')}`);
      return;
    case '/b64url':
      res.end(Buffer.from(`:${auth}`).toString('base64url'));
      return;
    case '/urlenc':
      res.end(`next=${encodeURIComponent(auth)}`);
      return;
    case '/split': {
      const text = `before ${auth} after`;
      void writeSlowly(res, [text.slice(0, at), text.slice(at)]);
      return;
    }
    case '/bytes':
      void writeSlowly(res, bytesOf(`<${auth}>`));
      return;
    case '/store':
      stored = auth;
      res.end('stored');
      return;
    case '/stored':
      res.end(`you sent ${stored}`);
      return;
    case '/gzip':
      res.writeHead(200, { 'content-encoding': 'gzip' });
      res.end(gzipSync(auth));
      return;
    default:
      res.end('plain');
  }
}

beforeAll(async () => {
  h = await createHarness();
  server = await startLoopbackServer(handler);
});
afterAll(async () => {
  await server.close();
  await h.close();
});
afterEach(async () => {
  await h.expectCanaryAlive();
});

/** Plugin body: GET each path with the secret (unless `bare`); status, headers and body as received. */
const SEND = `const out = [];
for (const { path, bare, headers } of input.requests) {
  try {
    const r = await fetch(input.origin + path, { headers: { ...(bare ? {} : { authorization: 'Bearer {{secret:${SECRET_NAME}}}' }), ...headers } });
    out.push({ status: r.status, statusText: r.statusText, headers: [...r.headers], body: await r.text() });
  } catch (e) {
    out.push({ code: e.cause && e.cause.code, message: e.cause && e.cause.message });
  }
}
return out;`;

async function send(
  name: string,
  requests: { path: string; bare?: boolean; headers?: Record<string, string> }[],
) {
  const sandbox = await h.load(name, {
    body: SEND,
    permissions: { secrets: [SECRET_NAME] },
    grants: { network: [server.origin] },
    limits: { wallMsPerCall: 10_000 },
  });
  const out = (await sandbox.call('tool:t', { origin: server.origin, requests })) as Record<
    string,
    unknown
  >[];
  const text = JSON.stringify(out);
  for (const form of leakedForms()) expect(text, `leaked as ${form}`).not.toContain(form);
  return out;
}

describe('a server reflecting the secret back', () => {
  it('has it redacted in response headers and the status text', async () => {
    const [header, status] = await send('refl-headers', [{ path: '/header' }, { path: '/status' }]);
    expect(JSON.stringify(header?.headers)).toContain(`Bearer ${MARKER}`);
    expect(status?.statusText).toBe(`Bad key Bearer ${MARKER}`);
  });

  it('has it redacted in a body echoed raw, JSON-escaped, base64, base64url or URL-encoded', async () => {
    const out = await send('refl-encodings', [
      { path: '/json' },
      { path: '/b64' },
      { path: '/b64url' },
      { path: '/urlenc' },
    ]);
    for (const reply of out) expect(String(reply.body)).toContain(MARKER);
  });

  it('has it redacted wherever a chunk boundary cuts it, down to one byte per chunk', async () => {
    const cuts = [8, 10, 16, 20, 30];
    const out = await send('refl-split', [
      ...cuts.map((at) => ({ path: `/split?at=${at}` })),
      { path: '/bytes' },
    ]);
    for (const reply of out.slice(0, cuts.length)) expect(reply.body).toBe(`before Bearer ${MARKER} after`);
    expect(out.at(-1)?.body).toBe(`<Bearer ${MARKER}>`);
  });

  it('has it redacted when stored by one request and served to another that carried no secret', async () => {
    const [, later] = await send('refl-stored', [{ path: '/store' }, { path: '/stored', bare: true }]);
    expect(later?.body).toBe(`you sent Bearer ${MARKER}`);
  });

  it('asks for identity encoding and refuses a compressed body that could hide the secret', async () => {
    const [gz] = await send('refl-gzip', [{ path: '/gzip', headers: { 'accept-encoding': 'gzip' } }]);
    expect(gz).toMatchObject({ code: 'ROKU_CAPABILITY_DENIED' });
    expect(String(gz?.message)).toContain('compressed');
    expect(server.requests.at(-1)?.headers['accept-encoding']).toBe('identity');
  });

  it('passes bodies of a plugin without secrets untouched', async () => {
    const sandbox = await h.load('refl-none', {
      body: `const r = await fetch(input.url); return { body: await r.text() };`,
      grants: { network: [server.origin] },
    });
    await expect(sandbox.call('tool:t', { url: `${server.origin}/plain` })).resolves.toEqual({
      body: 'plain',
    });
  });
});
