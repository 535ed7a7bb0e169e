import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '@roku/test-support';
import { generateKeyPair, packPlugin, signPackage, verifyArchive } from '../../src/index.js';
import { manifest, writePlugin } from '../archive/fixtures.js';

const code = (c: string): unknown => expect.objectContaining({ code: c }) as unknown;

describe('verifyArchive', () => {
  const publisher = generateKeyPair();
  const trustedKeys = [publisher.publicKey];

  async function published() {
    const dir = await writePlugin(tempDir('verify'));
    const packed = await packPlugin(dir);
    const signature = signPackage(packed, publisher.privateKeyPem);
    return { dir, packed, signature, indexed: manifest() };
  }

  it('accepts a signed package whose contents match the index, and leaves no temp files', async () => {
    const { packed, signature, indexed } = await published();
    const before = (await readdir(tmpdir())).filter((n) => n.startsWith('roku-verify-')).length;
    const verified = await verifyArchive(packed.bytes, {
      integrity: packed.integrity,
      signature,
      manifest: indexed,
      trustedKeys,
    });
    expect(verified.signer?.keyId).toBe(signature.keyId);
    expect(verified.files).toEqual(packed.files);
    expect(verified.payload.manifestSha256).toBe(
      packed.files.find((f) => f.path === 'roku.plugin.json')?.sha256,
    );
    expect(verified.dir).toBeUndefined();
    expect((await readdir(tmpdir())).filter((n) => n.startsWith('roku-verify-')).length).toBe(before);
  });

  it('keeps the verified files in destDir when asked', async () => {
    const { packed, signature } = await published();
    const destDir = join(tempDir('verify'), 'staged');
    const verified = await verifyArchive(packed.bytes, {
      integrity: packed.integrity,
      signature,
      trustedKeys,
      destDir,
    });
    expect(verified.dir).toBe(destDir);
    expect(await readFile(join(destDir, 'README.md'), 'utf8')).toBe('# hello\n');
  });

  it('checks the signature by a trusted key among several the index lists', async () => {
    const { packed, signature } = await published();
    const other = signPackage(packed, generateKeyPair().privateKeyPem);
    const verified = await verifyArchive(packed.bytes, {
      integrity: packed.integrity,
      signature: [other, signature],
      trustedKeys,
    });
    expect(verified.signer?.keyId).toBe(signature.keyId);
    await expect(
      verifyArchive(packed.bytes, { integrity: packed.integrity, signature: [other], trustedKeys }),
    ).rejects.toThrow(code('ROKU_REGISTRY_UNKNOWN_SIGNER'));
    await expect(
      verifyArchive(packed.bytes, { integrity: packed.integrity, signature: [], trustedKeys }),
    ).rejects.toThrow(code('ROKU_REGISTRY_UNSIGNED'));
  });

  it('refuses a tampered byte before unpacking', async () => {
    const { packed, signature } = await published();
    const tampered = new Uint8Array(packed.bytes);
    tampered[100]! ^= 0xff;
    await expect(
      verifyArchive(tampered, { integrity: packed.integrity, signature, trustedKeys }),
    ).rejects.toThrow(code('ROKU_REGISTRY_INTEGRITY'));
  });

  it('refuses an unsigned package unless unsigned packages are allowed', async () => {
    const { packed } = await published();
    await expect(verifyArchive(packed.bytes, { integrity: packed.integrity, trustedKeys })).rejects.toThrow(
      code('ROKU_REGISTRY_UNSIGNED'),
    );
    const verified = await verifyArchive(packed.bytes, {
      integrity: packed.integrity,
      trustedKeys,
      allowUnsigned: true,
    });
    expect(verified.signer).toBeUndefined();
  });

  it('refuses a package signed by an unknown key', async () => {
    const { packed } = await published();
    const signature = signPackage(packed, generateKeyPair().privateKeyPem);
    await expect(
      verifyArchive(packed.bytes, { integrity: packed.integrity, signature, trustedKeys }),
    ).rejects.toThrow(code('ROKU_REGISTRY_UNKNOWN_SIGNER'));
  });

  it('refuses a repacked archive whose manifest was swapped, even with a matching digest', async () => {
    const { dir, packed, signature, indexed } = await published();
    // The attacker grants the plugin network access, repacks and publishes the new digest with the old signature.
    await writeFile(
      join(dir, 'roku.plugin.json'),
      JSON.stringify(manifest({ permissions: { network: ['https://evil.example'] } })),
    );
    const swapped = await packPlugin(dir);
    const options = { integrity: swapped.integrity, signature, trustedKeys };
    await expect(verifyArchive(swapped.bytes, { ...options, manifest: indexed })).rejects.toThrow(
      code('ROKU_REGISTRY_MANIFEST_MISMATCH'),
    );
    // Without an indexed manifest to compare with, the signature no longer covers the archive.
    await expect(verifyArchive(swapped.bytes, options)).rejects.toThrow(code('ROKU_REGISTRY_BAD_SIGNATURE'));
    expect(packed.integrity).not.toBe(swapped.integrity);
  });

  it('refuses an index whose manifest differs from a validly signed archive', async () => {
    const { packed, signature } = await published();
    const err: unknown = await verifyArchive(packed.bytes, {
      integrity: packed.integrity,
      signature,
      trustedKeys,
      manifest: manifest({ description: 'Something else.' }),
    }).catch((e: unknown) => e);
    expect(err).toEqual(code('ROKU_REGISTRY_MANIFEST_MISMATCH'));
    expect((err as { details: { fields: string[] } }).details.fields).toEqual(['description']);
  });

  it('refuses a repacked archive with a changed file as a bad signature, and removes what it extracted', async () => {
    const { dir, signature } = await published();
    await writeFile(join(dir, 'dist/plugin.js'), 'export default { evil: true };\n');
    const repacked = await packPlugin(dir);
    const destDir = join(tempDir('verify'), 'staged');
    await expect(
      verifyArchive(repacked.bytes, { integrity: repacked.integrity, signature, trustedKeys, destDir }),
    ).rejects.toThrow(code('ROKU_REGISTRY_BAD_SIGNATURE'));
    await expect(stat(destDir)).rejects.toThrow();
  });
});
