import { describe, expect, it } from 'vitest';
import { createHttpRegistrySource, generateKeyPair, signPackage, verifyArchive } from '../../src/index.js';
import { TOKEN, packed, publishBody, startRegistry } from './helpers.js';

const CLIENT = { timeoutMs: 5000, retries: 0, maxArchiveBytes: 1024 * 1024 };

async function put(url: string, body: string, token: string | null = TOKEN): Promise<Response> {
  return fetch(url, {
    method: 'PUT',
    headers: {
      'content-type': 'application/json',
      ...(token === null ? {} : { authorization: `Bearer ${token}` }),
    },
    body,
  });
}

async function errorOf(response: Response): Promise<Record<string, unknown>> {
  const body = (await response.json()) as Record<string, unknown>;
  expect(Object.keys(body).every((k) => ['code', 'message', 'details'].includes(k))).toBe(true);
  expect(JSON.stringify(body)).not.toMatch(/\bat .*\.(ts|js):\d+/);
  return body;
}

describe('registry server', () => {
  it('answers ping', async () => {
    const { url } = await startRegistry();
    const response = await fetch(`${url}/-/ping`);
    expect(await response.json()).toEqual({ ok: true });
  });

  it('round-trips a signed plugin: publish, index document, archive, verified signature', async () => {
    const { url } = await startRegistry();
    const keys = generateKeyPair();
    const pack = await packed();
    const signature = signPackage(pack, keys.privateKeyPem);
    const source = createHttpRegistrySource(url, CLIENT);

    const published = await source.publish(TOKEN, {
      archive: pack.bytes,
      integrity: pack.integrity,
      signatures: [signature],
    });
    expect(published).toEqual({ name: '@acme/hello', version: '1.0.0', integrity: pack.integrity });

    const doc = await source.getDocument('@acme/hello');
    const entry = doc?.versions['1.0.0'];
    expect(doc?.distTags).toEqual({ latest: '1.0.0' });
    expect(entry?.integrity).toBe(pack.integrity);
    expect(entry?.signatures).toEqual([signature]);

    const bytes = await source.fetchArchive('@acme/hello', '1.0.0');
    expect(Buffer.from(bytes).equals(Buffer.from(pack.bytes))).toBe(true);
    const byUrl = await source.fetchArchive('@acme/hello', entry?.archive ?? '');
    expect(byUrl.byteLength).toBe(pack.bytes.byteLength);
    const verified = await verifyArchive(bytes, {
      integrity: entry?.integrity ?? '',
      signature: entry?.signatures,
      trustedKeys: [keys.publicKey],
    });
    expect(verified.signer?.keyId).toBe(signature.keyId);
    expect(verified.manifest.id).toBe('@acme/hello');
  });

  it('serves documents uncached and archives immutable with the integrity as ETag', async () => {
    const { url } = await startRegistry();
    const pack = await packed();
    expect((await put(`${url}/@acme/hello`, publishBody(pack))).status).toBe(201);

    const doc = await fetch(`${url}/@acme%2Fhello`);
    expect(doc.status).toBe(200);
    expect(doc.headers.get('cache-control')).toBe('no-cache');
    expect(((await doc.json()) as { name: string }).name).toBe('@acme/hello');

    const archive = await fetch(`${url}/@acme/hello/-/hello-1.0.0.tgz`);
    expect(archive.status).toBe(200);
    expect(archive.headers.get('content-type')).toBe('application/gzip');
    expect(archive.headers.get('cache-control')).toContain('immutable');
    expect(archive.headers.get('etag')).toBe(`"${pack.integrity}"`);
    expect(Buffer.from(await archive.arrayBuffer()).equals(Buffer.from(pack.bytes))).toBe(true);

    const again = await fetch(`${url}/@acme/hello/-/hello-1.0.0.tgz`, {
      headers: { 'if-none-match': `"${pack.integrity}"` },
    });
    expect(again.status).toBe(304);

    const search = await fetch(`${url}/-/search?q=hello`);
    expect(await search.json()).toEqual({
      hits: [{ name: '@acme/hello', version: '1.0.0', description: 'Says hello.' }],
    });
  });

  it('answers 404 with a code for unknown plugins, versions and routes', async () => {
    const { url } = await startRegistry();
    for (const path of ['/@acme/nothing', '/@acme/nothing/-/nothing-1.0.0.tgz', '/-/nope/deeper/still']) {
      const response = await fetch(`${url}${path}`);
      expect(response.status).toBe(404);
      expect((await errorOf(response)).code).toBe('ROKU_REGISTRY_NOT_FOUND');
    }
  });

  it('refuses path traversal through encoded dots and slashes', async () => {
    const { url, root } = await startRegistry();
    const pack = await packed();
    expect((await put(`${url}/@acme/hello`, publishBody(pack))).status).toBe(201);
    const attempts = [
      '/@acme/hello/-/..%2F..%2F..%2Fetc%2Fpasswd',
      '/@acme/hello/-/%2E%2E%2Findex.json',
      '/%2E%2E/%2E%2E',
      '/@acme%2F..%2F..%2Fetc',
      `/@acme/..%2F${encodeURIComponent(root)}`,
    ];
    for (const path of attempts) {
      const response = await fetch(`${url}${path}`);
      expect([400, 404]).toContain(response.status);
      const body = await errorOf(response);
      expect(['ROKU_REGISTRY_NOT_FOUND', 'ROKU_REGISTRY_BAD_SPEC']).toContain(body.code);
    }
  });

  it('refuses a publish without a token (401) or with a wrong one (403)', async () => {
    const { url } = await startRegistry();
    const pack = await packed();
    const missing = await put(`${url}/@acme/hello`, publishBody(pack), null);
    expect(missing.status).toBe(401);
    expect((await errorOf(missing)).code).toBe('ROKU_REGISTRY_UNAUTHORIZED');

    const wrong = await put(`${url}/@acme/hello`, publishBody(pack), 'not-the-token');
    expect(wrong.status).toBe(403);
    expect((await errorOf(wrong)).code).toBe('ROKU_REGISTRY_FORBIDDEN');

    const source = createHttpRegistrySource(url, CLIENT);
    await expect(
      source.publish('nope', { archive: pack.bytes, integrity: pack.integrity, signatures: [] }),
    ).rejects.toMatchObject({ code: 'ROKU_REGISTRY_FORBIDDEN' });
    expect(await source.getDocument('@acme/hello')).toBeUndefined();
  });

  it('refuses to republish a version (409)', async () => {
    const { url } = await startRegistry();
    const pack = await packed();
    expect((await put(`${url}/@acme/hello`, publishBody(pack))).status).toBe(201);
    const again = await put(`${url}/@acme/hello`, publishBody(pack));
    expect(again.status).toBe(409);
    expect((await errorOf(again)).code).toBe('ROKU_REGISTRY_VERSION_EXISTS');

    const source = createHttpRegistrySource(url, CLIENT);
    await expect(
      source.publish(TOKEN, { archive: pack.bytes, integrity: pack.integrity, signatures: [] }),
    ).rejects.toMatchObject({ code: 'ROKU_REGISTRY_VERSION_EXISTS', details: { status: 409 } });
  });

  it('refuses an archive whose manifest names another plugin than the URL', async () => {
    const { url } = await startRegistry();
    const response = await put(`${url}/@acme/other`, publishBody(await packed()));
    expect(response.status).toBe(400);
    const body = await errorOf(response);
    expect(body).toMatchObject({ code: 'ROKU_REGISTRY_MANIFEST_MISMATCH', details: { id: '@acme/hello' } });
    expect((await fetch(`${url}/@acme/other`)).status).toBe(404);
  });

  it('refuses a tampered archive whose bytes no longer match the integrity', async () => {
    const { url } = await startRegistry();
    const pack = await packed();
    const tampered = Buffer.from(pack.bytes);
    tampered[tampered.length - 10] = (tampered[tampered.length - 10] ?? 0) ^ 0xff;
    const response = await put(
      `${url}/@acme/hello`,
      publishBody(pack, { archive: tampered.toString('base64') }),
    );
    expect(response.status).toBe(400);
    expect((await errorOf(response)).code).toBe('ROKU_REGISTRY_INTEGRITY');
    expect((await fetch(`${url}/@acme/hello`)).status).toBe(404);
  });

  it('names the bad field of a malformed publish body (400)', async () => {
    const { url } = await startRegistry();
    const pack = await packed();
    const cases: [string, string][] = [
      [publishBody(pack, { archive: 42 }), '/archive'],
      [publishBody(pack, { archive: 'not base64!' }), '/archive'],
      [publishBody(pack, { integrity: undefined }), '/integrity'],
      [publishBody(pack, { signatures: 'none' }), '/signatures'],
      [publishBody(pack, { signatures: [{ keyId: 'zz', signature: 'AAAA' }] }), '/signatures/0/keyId'],
      [publishBody(pack, { extra: true }), '/extra'],
    ];
    for (const [body, path] of cases) {
      const response = await put(`${url}/@acme/hello`, body);
      expect(response.status).toBe(400);
      const error = await errorOf(response);
      expect(error).toMatchObject({ code: 'ROKU_REGISTRY_BAD_REQUEST', details: { issues: [{ path }] } });
      expect(error.message).toContain(path);
    }
    const notJson = await put(`${url}/@acme/hello`, '{"archive":');
    expect(notJson.status).toBe(400);
    expect((await errorOf(notJson)).code).toBe('ROKU_REGISTRY_BAD_REQUEST');
  });

  it('refuses a body over the limit with 413', async () => {
    const { url } = await startRegistry({ bodyLimitBytes: 1024 });
    const response = await put(`${url}/@acme/hello`, publishBody(await packed(), { pad: 'x'.repeat(4096) }));
    expect(response.status).toBe(413);
    expect((await errorOf(response)).code).toBe('ROKU_REGISTRY_REQUEST_TOO_LARGE');
  });
});
