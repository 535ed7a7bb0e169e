import type { ServerResponse } from 'node:http';
import { describe, expect, it } from 'vitest';
import { createHttpRegistrySource, generateKeyPair, signPackage } from '../../src/index.js';
import { TOKEN, packed, startRegistry, startScripted } from '../server/helpers.js';

const CLIENT = { timeoutMs: 5000, retries: 0, maxArchiveBytes: 1024 * 1024 };
const HOUR = 3_600_000;

/** A registry server signing its indexes with a fresh key, one plugin published; and that key. */
async function signedRegistry(indexTtlMs = HOUR) {
  const indexKey = generateKeyPair();
  const { url } = await startRegistry({ indexKey: indexKey.privateKeyPem, indexTtlMs });
  const pack = await packed();
  const publisher = generateKeyPair();
  await createHttpRegistrySource(url, CLIENT).publish(TOKEN, {
    archive: pack.bytes,
    integrity: pack.integrity,
    signatures: [signPackage(pack, publisher.privateKeyPem)],
  });
  return { url, indexKey, name: pack.manifest.id };
}

function json(res: ServerResponse, body: unknown): void {
  res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

describe('signed index documents', () => {
  it('are accepted from the server holding the index key until they expire', async () => {
    const { url, indexKey, name } = await signedRegistry();
    const doc = await createHttpRegistrySource(url, {
      ...CLIENT,
      indexKeys: [indexKey.publicKey],
    }).getDocument(name);
    expect(doc?.signed?.expires).toBeDefined();
    const later = createHttpRegistrySource(url, {
      ...CLIENT,
      indexKeys: [indexKey.publicKey],
      now: () => new Date(Date.now() + 2 * HOUR),
    });
    await expect(later.getDocument(name)).rejects.toMatchObject({ code: 'ROKU_REGISTRY_INDEX_EXPIRED' });
  });

  it('refuse a frozen copy kept by a mirror once it expires, and any change to it at once', async () => {
    const { url, indexKey, name } = await signedRegistry();
    const frozen = (await (await fetch(`${url}/${name}`)).json()) as Record<string, unknown>;
    const mirror = await startScripted((_req, res) => {
      json(res, frozen);
    });
    const client = (offsetMs: number) =>
      createHttpRegistrySource(mirror, {
        ...CLIENT,
        indexKeys: [indexKey.publicKey],
        now: () => new Date(Date.now() + offsetMs),
      });
    await expect(client(0).getDocument(name)).resolves.toMatchObject({ name });
    await expect(client(2 * HOUR).getDocument(name)).rejects.toMatchObject({
      code: 'ROKU_REGISTRY_INDEX_EXPIRED',
    });

    const extended = {
      ...frozen,
      signed: { ...(frozen.signed as object), expires: '2999-01-01T00:00:00.000Z' },
    };
    const tamperer = await startScripted((_req, res) => {
      json(res, extended);
    });
    const tampered = createHttpRegistrySource(tamperer, { ...CLIENT, indexKeys: [indexKey.publicKey] });
    await expect(tampered.getDocument(name)).rejects.toMatchObject({ code: 'ROKU_REGISTRY_INDEX_UNSIGNED' });
  });

  it('are required once index keys are configured: unsigned or signed by another key is refused', async () => {
    const { url, name } = await signedRegistry();
    const stranger = generateKeyPair();
    const wrongKey = createHttpRegistrySource(url, { ...CLIENT, indexKeys: [stranger.publicKey] });
    await expect(wrongKey.getDocument(name)).rejects.toMatchObject({ code: 'ROKU_REGISTRY_INDEX_UNSIGNED' });

    const plain = await startRegistry();
    const pack = await packed();
    await createHttpRegistrySource(plain.url, CLIENT).publish(TOKEN, {
      archive: pack.bytes,
      integrity: pack.integrity,
      signatures: [],
    });
    const required = createHttpRegistrySource(plain.url, { ...CLIENT, indexKeys: [stranger.publicKey] });
    await expect(required.getDocument(pack.manifest.id)).rejects.toMatchObject({
      code: 'ROKU_REGISTRY_INDEX_UNSIGNED',
    });
    // Without index keys configured, an unsigned registry keeps working.
    await expect(
      createHttpRegistrySource(plain.url, CLIENT).getDocument(pack.manifest.id),
    ).resolves.toBeDefined();
  });
});
