import { createHash, generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  canonicalJson,
  generateKeyPair,
  keyId,
  signPackage,
  signingPayload,
  verifyPackageSignature,
} from '../../src/index.js';

const code = (c: string): unknown => expect.objectContaining({ code: c }) as unknown;

const contents = {
  manifest: { id: '@acme/hello', version: '1.0.0' },
  files: [
    { path: 'roku.plugin.json', sha256: 'a'.repeat(64) },
    { path: 'dist/plugin.js', sha256: 'b'.repeat(64) },
  ],
};

describe('signing keys', () => {
  it('generates an ed25519 key pair as ed25519:<base64 of 32 bytes> and PKCS#8 PEM', () => {
    const { publicKey, privateKeyPem } = generateKeyPair();
    expect(publicKey).toMatch(/^ed25519:[A-Za-z0-9+/]{43}=$/);
    expect(privateKeyPem).toContain('-----BEGIN PRIVATE KEY-----');
  });

  it('fingerprints a key as the first 16 hex digits of the sha256 of its raw bytes', () => {
    const { publicKey } = generateKeyPair();
    const raw = Buffer.from(publicKey.slice('ed25519:'.length), 'base64');
    expect(keyId(publicKey)).toBe(createHash('sha256').update(raw).digest('hex').slice(0, 16));
  });

  it('refuses malformed public keys and non-ed25519 private keys', () => {
    expect(() => keyId('ed25519:abc')).toThrow(code('ROKU_REGISTRY_BAD_KEY'));
    expect(() => keyId('rsa:' + Buffer.alloc(32).toString('base64'))).toThrow(code('ROKU_REGISTRY_BAD_KEY'));
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
    expect(() => signPackage(contents, rsa)).toThrow(code('ROKU_REGISTRY_BAD_KEY'));
    expect(() => signPackage(contents, 'not a pem')).toThrow(code('ROKU_REGISTRY_BAD_KEY'));
  });
});

describe('canonical payloads', () => {
  it('sorts object keys at every depth and drops whitespace', () => {
    expect(canonicalJson({ b: 1, a: { d: [2, { f: 1, e: 0 }], c: 'x' } })).toBe(
      '{"a":{"c":"x","d":[2,{"e":0,"f":1}]},"b":1}',
    );
  });

  it('covers id, version, the manifest digest and every file sorted by path', () => {
    expect(signingPayload(contents)).toEqual({
      id: '@acme/hello',
      version: '1.0.0',
      manifestSha256: 'a'.repeat(64),
      files: [
        { path: 'dist/plugin.js', sha256: 'b'.repeat(64) },
        { path: 'roku.plugin.json', sha256: 'a'.repeat(64) },
      ],
    });
    expect(() => signingPayload({ ...contents, files: contents.files.slice(1) })).toThrow(
      code('ROKU_REGISTRY_MANIFEST_MISSING'),
    );
  });
});

describe('package signatures', () => {
  const signer = generateKeyPair();
  const payload = signingPayload(contents);

  it('verifies a signature made by a trusted key, whatever the order of the files given', () => {
    const signature = signPackage(
      { ...contents, files: [...contents.files].reverse() },
      signer.privateKeyPem,
    );
    expect(signature.keyId).toBe(keyId(signer.publicKey));
    expect(
      verifyPackageSignature(payload, signature, [generateKeyPair().publicKey, signer.publicKey]),
    ).toEqual({
      keyId: keyId(signer.publicKey),
      publicKey: signer.publicKey,
    });
  });

  it('refuses a missing signature as unsigned', () => {
    expect(() => verifyPackageSignature(payload, undefined, [signer.publicKey])).toThrow(
      code('ROKU_REGISTRY_UNSIGNED'),
    );
  });

  it('refuses a signature by a key that is not trusted', () => {
    const stranger = generateKeyPair();
    const signature = signPackage(contents, stranger.privateKeyPem);
    expect(() => verifyPackageSignature(payload, signature, [signer.publicKey])).toThrow(
      code('ROKU_REGISTRY_UNKNOWN_SIGNER'),
    );
  });

  it('refuses a wrong signature claiming a trusted key id', () => {
    const forged = {
      keyId: keyId(signer.publicKey),
      signature: signPackage(contents, generateKeyPair().privateKeyPem).signature,
    };
    expect(() => verifyPackageSignature(payload, forged, [signer.publicKey])).toThrow(
      code('ROKU_REGISTRY_BAD_SIGNATURE'),
    );
    const garbage = { keyId: keyId(signer.publicKey), signature: 'AAAA' };
    expect(() => verifyPackageSignature(payload, garbage, [signer.publicKey])).toThrow(
      code('ROKU_REGISTRY_BAD_SIGNATURE'),
    );
  });

  it('refuses a valid signature over a payload with a changed file, version or manifest digest', () => {
    const signature = signPackage(contents, signer.privateKeyPem);
    const changed = [
      { ...payload, version: '1.0.1' },
      { ...payload, manifestSha256: 'c'.repeat(64) },
      { ...payload, files: [...payload.files, { path: 'assets/x', sha256: 'd'.repeat(64) }] },
    ];
    for (const other of changed) {
      expect(() => verifyPackageSignature(other, signature, [signer.publicKey])).toThrow(
        code('ROKU_REGISTRY_BAD_SIGNATURE'),
      );
    }
  });
});
