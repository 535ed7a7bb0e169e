import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { KEY_ROTATION_FILE, generateKeyPair, keyId, signKeyRotation } from '@roku/registry';
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

  it('moves the binding when the old key signed the rotation to the new key, and only then', async () => {
    const f = await setup();
    const next = generateKeyPair();
    const stranger = generateKeyPair();
    await createTrustStore(f.home).addTrustedKey(next.publicKey);
    await createTrustStore(f.home).addTrustedKey(stranger.publicKey);
    const rotation = JSON.stringify(signKeyRotation('@acme/one', f.publisher.privateKeyPem, next.publicKey));
    // A statement signed by another trusted key (not the bound one) proves nothing.
    const forged = JSON.stringify(signKeyRotation('@acme/one', stranger.privateKeyPem, next.publicKey));
    await f.publish('@acme/one', '1.0.0');
    await f.publish('@acme/one', '1.1.0', { key: next, files: { [KEY_ROTATION_FILE]: forged } });
    await f.publish('@acme/one', '1.2.0', { key: next, files: { [KEY_ROTATION_FILE]: rotation } });
    const installer = f.installer();
    await installer.apply(await installer.plan(['@acme/one@1.0.0']), { grant: grantAll });
    await expect(
      installer.apply(await installer.plan(['@acme/one@1.1.0']), { grant: grantAll }),
    ).rejects.toMatchObject({ code: 'ROKU_INSTALL_KEY_CHANGED' });
    await installer.apply(await installer.plan(['@acme/one@1.2.0']), { grant: grantAll });
    expect(await lockedKey(f.home, '@acme/one')).toBe(keyId(next.publicKey));
  });
});
