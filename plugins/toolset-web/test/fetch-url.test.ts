import { once } from 'node:events';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestHost } from '@roku/plugin-testing';
import type { TestHost, TestPlugin } from '@roku/plugin-testing';

const dir = fileURLToPath(new URL('..', import.meta.url));
let host: TestHost;
let plugin: TestPlugin;
let server: Server;
let other: Server;
let origin: string;
let otherOrigin: string;

const ARTICLE = `<!doctype html><html><head><title>Tides of Oslo</title><script>var tracking = "SCRIPT-TEXT";</script></head>
<body><nav><a href="/">Home</a> <a href="/about">About</a></nav>
<article><h1>Tides of Oslo</h1>
${'<p>The tide in the Oslofjord rises and falls about thirty centimetres twice a day, which is small compared with the Atlantic coast. </p>'.repeat(6)}
<p>Read the <a href="https://example.com/tables">tide tables</a> for details.</p></article>
<footer>Copyright footer</footer></body></html>`;

async function listen(s: Server): Promise<string> {
  s.listen(0, '127.0.0.1');
  await once(s, 'listening');
  return `http://127.0.0.1:${(s.address() as AddressInfo).port}`;
}

beforeAll(async () => {
  other = createServer((_req, res) => res.end('other origin'));
  otherOrigin = await listen(other);
  server = createServer((req, res) => {
    if (req.url === '/article') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(ARTICLE);
    } else if (req.url === '/away') {
      res.writeHead(302, { location: `${otherOrigin}/secret` });
      res.end();
    } else if (req.url === '/image') {
      res.writeHead(200, { 'content-type': 'image/png' });
      res.end(Buffer.alloc(1000));
    } else if (req.url === '/huge') {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('x'.repeat(5 * 1024 * 1024));
    } else {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('no such page');
    }
  });
  origin = await listen(server);
  host = await createTestHost();
  plugin = await host.load(dir, { grants: { network: [origin] } });
});
afterAll(async () => {
  await host.close();
  server.close();
  other.close();
});

const failed = (pluginCode: string, text: string) => ({
  code: 'ROKU_PLUGIN_FAILED',
  details: { pluginCode },
  message: expect.stringContaining(text) as unknown,
});

describe('fetch_url', () => {
  it('returns the readable text of an article: no scripts or navigation, links kept', async () => {
    const page = (await plugin.callTool('fetch_url', { url: `${origin}/article` })) as {
      title: string;
      extraction: string;
      text: string;
      status: number;
    };
    expect(page).toMatchObject({ status: 200, title: 'Tides of Oslo', extraction: 'readability' });
    expect(page.text).toContain('The tide in the Oslofjord rises and falls');
    expect(page.text).toContain('tide tables (https://example.com/tables)');
    expect(page.text).not.toContain('SCRIPT-TEXT');
    expect(page.text).not.toContain('About');
    const raw = (await plugin.callTool('fetch_url', { url: `${origin}/article`, raw: true })) as {
      text: string;
    };
    expect(raw.text).toContain('<script>');
  });

  it('re-checks redirects on the host: a hop to an origin not granted is refused', async () => {
    await expect(plugin.callTool('fetch_url', { url: `${origin}/away` })).rejects.toMatchObject(
      failed('ROKU_CAPABILITY_DENIED', `redirected from ${origin}`),
    );
  });

  it('refuses private addresses without a grant, other schemes and binary responses', async () => {
    const ungranted = await host.load(dir);
    await expect(ungranted.callTool('fetch_url', { url: `${origin}/article` })).rejects.toMatchObject(
      failed('ROKU_CAPABILITY_DENIED', '127.0.0.1'),
    );
    await expect(plugin.callTool('fetch_url', { url: 'file:///etc/passwd' })).rejects.toMatchObject(
      failed('ROKU_WEB_BAD_URL', 'file: URLs are not fetched'),
    );
    await expect(plugin.callTool('fetch_url', { url: `${origin}/image` })).rejects.toMatchObject(
      failed('ROKU_WEB_UNSUPPORTED_TYPE', 'image/png'),
    );
  });

  it('reads at most 2 MiB, cuts the text at maxChars and passes on error statuses', async () => {
    const huge = (await plugin.callTool('fetch_url', { url: `${origin}/huge`, maxChars: 1000 })) as {
      text: string;
      truncated: boolean;
      note: string;
    };
    expect(huge.text).toHaveLength(1000);
    expect(huge.truncated).toBe(true);
    expect(huge.note).toContain('only the first 2097152 bytes');
    const missing = (await plugin.callTool('fetch_url', { url: `${origin}/nope` })) as {
      status: number;
      note: string;
    };
    expect(missing.status).toBe(404);
    expect(missing.note).toContain('404');
  });
});
