import type { KeyObject } from 'node:crypto';
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync } from 'node:crypto';
import { RokuError } from '@roku/schemas';

const PREFIX = 'ed25519:';
const RAW_KEY_BYTES = 32;

/** A fresh Ed25519 signing key: the public key as `ed25519:<base64 raw 32 bytes>`, the private key as PKCS#8 PEM. */
export interface SigningKeyPair {
  readonly publicKey: string;
  readonly privateKeyPem: string;
}

function badKey(message: string): RokuError {
  return new RokuError('ROKU_REGISTRY_BAD_KEY', message);
}

function rawPublicKey(publicKey: string): Buffer {
  const raw = publicKey.startsWith(PREFIX)
    ? Buffer.from(publicKey.slice(PREFIX.length), 'base64')
    : undefined;
  if (raw?.length !== RAW_KEY_BYTES || raw.toString('base64') !== publicKey.slice(PREFIX.length)) {
    throw badKey(
      `'${publicKey.slice(0, 80)}' is not an Ed25519 public key like ed25519:<base64 of 32 bytes>`,
    );
  }
  return raw;
}

/** The `ed25519:<base64>` form of an Ed25519 public key object. */
export function formatPublicKey(key: KeyObject): string {
  const { x } = key.export({ format: 'jwk' });
  if (key.asymmetricKeyType !== 'ed25519' || x === undefined) throw badKey('key is not an Ed25519 key');
  return PREFIX + Buffer.from(x, 'base64url').toString('base64');
}

/**
 * Creates an Ed25519 key pair for signing packages.
 *
 * @example
 * const { publicKey, privateKeyPem } = generateKeyPair(); // publicKey: 'ed25519:…'
 */
export function generateKeyPair(): SigningKeyPair {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  return {
    publicKey: formatPublicKey(publicKey),
    privateKeyPem: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
  };
}

/**
 * A short, stable fingerprint of a public key: the first 16 hex digits of the sha256 of its raw 32 bytes.
 *
 * @throws ROKU_REGISTRY_BAD_KEY when `publicKey` is not `ed25519:<base64 of 32 bytes>`.
 */
export function keyId(publicKey: string): string {
  return createHash('sha256').update(rawPublicKey(publicKey)).digest('hex').slice(0, 16);
}

/** @throws ROKU_REGISTRY_BAD_KEY */
export function publicKeyObject(publicKey: string): KeyObject {
  const x = rawPublicKey(publicKey).toString('base64url');
  return createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x }, format: 'jwk' });
}

/** @throws ROKU_REGISTRY_BAD_KEY when `privateKey` is not an Ed25519 private key (PEM or key object). */
export function privateKeyObject(privateKey: string | KeyObject): KeyObject {
  let key: KeyObject;
  try {
    key = typeof privateKey === 'string' ? createPrivateKey(privateKey) : privateKey;
  } catch (err) {
    throw new RokuError('ROKU_REGISTRY_BAD_KEY', 'the private key is not a readable PEM key', { cause: err });
  }
  if (key.type !== 'private' || key.asymmetricKeyType !== 'ed25519') {
    throw badKey('the signing key is not an Ed25519 private key');
  }
  return key;
}
