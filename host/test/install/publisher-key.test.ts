import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateKeyPair, keyId } from '@roku/registry';
import { createTrustStore } from '../../src/index.js';
import { grantAll, setup } from './helpers.js';

async function lockedKey(home: string, id: string): Promise<unknown> {
  const lock = JSON.parse(await readFile(join(home, 'roku.lock'), 'utf8')) as {
    plugins: Record<string, { publisherKey?: unknown }>;
  };
  return lock.plugins[id]?.publisherKey;
}

describe('publisher key binding', () => {
  it('refuses an update signed by another trusted key unless the user accepts the new key', async () => {
    const f = await setup();
    const other = generateKeyPair();
    await createTrustStore(f.home).addTrustedKey(other.publicKey);
    await f.publish('@acme/one', '1.0.0');
    await f.publish('@acme/one', '1.1.0', { key: other });
    const installer = f.installer();
    await installer.apply(await installer.plan(['@acme/one@1.0.0']), { grant: grantAll });
    const original = keyId(f.publisher.publicKey);
    expect(await lockedKey(f.home, '@acme/one')).toBe(original);

    const update = await installer.plan(['@acme/one@1.1.0']);
    const refused = installer.apply(update, { grant: grantAll });
    await expect(refused).rejects.toMatchObject({
      code: 'ROKU_INSTALL_KEY_CHANGED',
      details: { boundKey: original, signer: keyId(other.publicKey) },
    });
    await expect(refused).rejects.toThrow(/--accept-new-key @acme\/one/);
    expect((await installer.list()).map((p) => p.version)).toEqual(['1.0.0']);
    expect(await installer.verify()).toEqual({ ok: true, problems: [] });

    await installer.apply(update, { grant: grantAll, acceptNewKey: ['@acme/one'] });
    expect((await installer.list()).map((p) => p.version)).toEqual(['1.1.0']);
    expect(await lockedKey(f.home, '@acme/one')).toBe(keyId(other.publicKey));
  });

  it('keeps the binding across updates by the same key', async () => {
    const f = await setup();
    await f.publish('@acme/one', '1.0.0');
    await f.publish('@acme/one', '1.1.0');
    const installer = f.installer();
    await installer.apply(await installer.plan(['@acme/one@1.0.0']), { grant: grantAll });
    await installer.apply(await installer.plan(['@acme/one@1.1.0']), { grant: grantAll });
    expect(await lockedKey(f.home, '@acme/one')).toBe(keyId(f.publisher.publicKey));
  });
});
