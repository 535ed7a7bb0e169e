import type { ServerResponse } from 'node:http';
import { describe, expect, it } from 'vitest';
import type { RecordedRequest } from '@roku/test-support';
import { createHttpRegistrySource, summarizeManifest } from '../../src/index.js';
import type { IndexDocument } from '../../src/index.js';
import { packed, startScripted } from '../server/helpers.js';

const FAST = { timeoutMs: 3000, retries: 2, backoffMs: 5, maxArchiveBytes: 64 * 1024 };

async function documentFor(): Promise<{ doc: IndexDocument; bytes: Uint8Array }> {
  const pack = await packed();
  const doc: IndexDocument = {
    name: '@acme/hello',
    distTags: { latest: '1.0.0' },
    versions: {
      '1.0.0': {
        integrity: pack.integrity,
        archive: '-/hello-1.0.0.tgz',
        signatures: [],
        manifest: summarizeManifest(pack.manifest),
        publishedAt: '2025-06-01T12:00:00.000Z',
      },
    },
  };
  return { doc, bytes: pack.bytes };
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

describe('HTTP registry source', () => {
  it('retries 5xx answers with backoff and succeeds on the third attempt', async () => {
    const { doc } = await documentFor();
    const seen: string[] = [];
    const url = await startScripted((req: RecordedRequest, res) => {
      seen.push(req.url);
      if (seen.length <= 2) json(res, 500, { code: 'ROKU_REGISTRY_SERVER_ERROR', message: 'boom' });
      else json(res, 200, doc);
    });
    const source = createHttpRegistrySource(url, FAST);
    const got = await source.getDocument('@acme/hello');
    expect(got?.versions['1.0.0']?.integrity).toBe(doc.versions['1.0.0']?.integrity);
    expect(seen).toEqual(['/@acme/hello', '/@acme/hello', '/@acme/hello']);
  });

  it('gives up with ROKU_REGISTRY_UNAVAILABLE when every attempt answers 500', async () => {
    let attempts = 0;
    const url = await startScripted((_req, res) => {
      attempts += 1;
      res.writeHead(500).end('down');
    });
    const source = createHttpRegistrySource(url, FAST);
    await expect(source.getDocument('@acme/hello')).rejects.toMatchObject({
      code: 'ROKU_REGISTRY_UNAVAILABLE',
      details: { attempts: 3, status: 500 },
    });
    expect(attempts).toBe(3);
  });

  it('reports a refused connection as ROKU_REGISTRY_UNAVAILABLE after retries', async () => {
    const url = await startScripted((_req, res) => res.end());
    const closed = url.replace(/:\d+$/, ':1');
    const source = createHttpRegistrySource(closed, { ...FAST, retries: 1 });
    await expect(source.getDocument('@acme/hello')).rejects.toMatchObject({
      code: 'ROKU_REGISTRY_UNAVAILABLE',
      details: { attempts: 2 },
    });
  });

  it('answers undefined for a plugin the registry does not have', async () => {
    const url = await startScripted((_req, res) => {
      json(res, 404, { code: 'ROKU_REGISTRY_NOT_FOUND', message: 'no' });
    });
    expect(await createHttpRegistrySource(url, FAST).getDocument('@acme/hello')).toBeUndefined();
  });

  it('rejects a malformed index document with ROKU_REGISTRY_INDEX_INVALID', async () => {
    const url = await startScripted((req, res) => {
      if (req.url === '/@acme/hello') res.writeHead(200).end('{"name": "@acme/hello", "versions": ');
      else json(res, 200, { name: '@acme/other', versions: { nope: {} }, distTags: {} });
    });
    const source = createHttpRegistrySource(url, FAST);
    await expect(source.getDocument('@acme/hello')).rejects.toMatchObject({
      code: 'ROKU_REGISTRY_INDEX_INVALID',
    });
    await expect(source.getDocument('@acme/other')).rejects.toMatchObject({
      code: 'ROKU_REGISTRY_INDEX_INVALID',
    });
  });

  it('fails with ROKU_REGISTRY_DOWNLOAD_FAILED when the body stalls mid-download', async () => {
    const { doc, bytes } = await documentFor();
    const url = await startScripted((req, res) => {
      if (req.url === '/@acme/hello') {
        json(res, 200, doc);
        return;
      }
      res.writeHead(200, { 'content-type': 'application/gzip', 'content-length': String(bytes.byteLength) });
      // Half the archive, then silence: the connection stays open.
      res.write(bytes.subarray(0, bytes.byteLength >> 1));
    });
    const source = createHttpRegistrySource(url, { ...FAST, timeoutMs: 10_000, idleTimeoutMs: 200 });
    await expect(source.fetchArchive('@acme/hello', '1.0.0')).rejects.toMatchObject({
      code: 'ROKU_REGISTRY_DOWNLOAD_FAILED',
    });
    // The overall timeout (10 s) is past the test timeout: only the idle timer can end this test in time.
  });

  it('fails with ROKU_REGISTRY_DOWNLOAD_FAILED when the overall timeout passes', async () => {
    const url = await startScripted((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/gzip' });
      const drip = setInterval(() => res.write(new Uint8Array(1)), 20);
      res.on('close', () => {
        clearInterval(drip);
      });
    });
    const source = createHttpRegistrySource(url, { ...FAST, timeoutMs: 300, idleTimeoutMs: 200 });
    await expect(source.fetchArchive('@acme/hello', `${url}/slow.tgz`)).rejects.toMatchObject({
      code: 'ROKU_REGISTRY_DOWNLOAD_FAILED',
    });
  });

  it('refuses an archive over the cap while streaming, without a content-length', async () => {
    let sent = 0;
    const url = await startScripted((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/gzip' });
      const chunk = new Uint8Array(16 * 1024);
      const pump = setInterval(() => {
        // Endless unless the client hangs up.
        sent += chunk.byteLength;
        res.write(chunk);
      }, 1);
      res.on('close', () => {
        clearInterval(pump);
      });
    });
    const source = createHttpRegistrySource(url, FAST);
    await expect(source.fetchArchive('@acme/hello', '-/hello-1.0.0.tgz')).rejects.toMatchObject({
      code: 'ROKU_REGISTRY_ARCHIVE_TOO_LARGE',
      details: { maxArchiveBytes: FAST.maxArchiveBytes },
    });
    expect(sent).toBeLessThan(16 * 1024 * 1024);
  });

  it('refuses an archive whose declared length is over the cap before reading it', async () => {
    const url = await startScripted((_req, res) => {
      res.writeHead(200, { 'content-length': String(10 * 1024 * 1024) });
      res.write(new Uint8Array(1024));
    });
    const source = createHttpRegistrySource(url, FAST);
    await expect(source.fetchArchive('@acme/hello', '-/hello-1.0.0.tgz')).rejects.toMatchObject({
      code: 'ROKU_REGISTRY_ARCHIVE_TOO_LARGE',
    });
  });

  it('checks the integrity of an archive fetched by version', async () => {
    const { doc, bytes } = await documentFor();
    const url = await startScripted((req, res) => {
      if (req.url === '/@acme/hello') {
        json(res, 200, doc);
        return;
      }
      const copy = Buffer.from(bytes);
      copy[0] = (copy[0] ?? 0) ^ 1;
      res.writeHead(200).end(copy);
    });
    const source = createHttpRegistrySource(url, FAST);
    await expect(source.fetchArchive('@acme/hello', '1.0.0')).rejects.toMatchObject({
      code: 'ROKU_REGISTRY_INTEGRITY',
    });
    await expect(source.fetchArchive('@acme/hello', '2.0.0')).rejects.toMatchObject({
      code: 'ROKU_REGISTRY_NOT_FOUND',
    });
  });

  it('does not retry a publish that meets a server error', async () => {
    let puts = 0;
    const url = await startScripted((req, res) => {
      if (req.method === 'PUT') puts += 1;
      res.writeHead(503).end();
    });
    const pack = await packed();
    const source = createHttpRegistrySource(url, FAST);
    await expect(
      source.publish('t', { archive: pack.bytes, integrity: pack.integrity, signatures: [] }),
    ).rejects.toMatchObject({ code: 'ROKU_REGISTRY_UNAVAILABLE', details: { status: 503 } });
    expect(puts).toBe(1);
  });
});
