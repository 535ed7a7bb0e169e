import type { KeyObject } from 'node:crypto';
import { createPublicKey, sign, verify } from 'node:crypto';
import { RokuError } from '@roku/schemas';
import { formatPublicKey, keyId, privateKeyObject, publicKeyObject } from './keys.js';
import type { SignableContents, SigningPayload } from './payload.js';
import { payloadBytes, signingPayload } from './payload.js';

/** A detached package signature: who signed (key id) and the base64 Ed25519 signature. */
export interface PackageSignature {
  readonly keyId: string;
  readonly signature: string;
}

/** Which trusted key a verified signature was made with. */
export interface VerifiedSigner {
  readonly keyId: string;
  readonly publicKey: string;
}

const SIGNATURE_BYTES = 64;

/**
 * Signs the canonical payload `{ id, version, manifestSha256, files }` of a package with an Ed25519 key.
 *
 * @throws ROKU_REGISTRY_BAD_KEY when `privateKey` is not an Ed25519 private key.
 * @throws ROKU_REGISTRY_MANIFEST_MISSING when `files` has no roku.plugin.json.
 * @example
 * const packed = await packPlugin(dir);
 * const signature = signPackage(packed, privateKeyPem);
 */
export function signPackage(contents: SignableContents, privateKey: string | KeyObject): PackageSignature {
  const key = privateKeyObject(privateKey);
  const signature = sign(null, payloadBytes(signingPayload(contents)), key);
  return { keyId: keyId(formatPublicKey(createPublicKey(key))), signature: signature.toString('base64') };
}

/**
 * Verifies a package signature over `payload` against a list of trusted `ed25519:<base64>` public keys.
 *
 * @throws ROKU_REGISTRY_UNSIGNED when `signature` is missing.
 * @throws ROKU_REGISTRY_UNKNOWN_SIGNER when no trusted key has the signature's key id.
 * @throws ROKU_REGISTRY_BAD_SIGNATURE when the signature does not verify.
 * @throws ROKU_REGISTRY_BAD_KEY when a trusted key is malformed.
 */
export function verifyPackageSignature(
  payload: SigningPayload,
  signature: PackageSignature | undefined,
  trustedKeys: readonly string[],
): VerifiedSigner {
  const where = `${payload.id}@${payload.version}`;
  if (signature === undefined) {
    throw new RokuError('ROKU_REGISTRY_UNSIGNED', `${where}: the package is not signed`, {
      details: { id: payload.id, version: payload.version },
    });
  }
  const publicKey = trustedKeys.find((key) => keyId(key) === signature.keyId);
  if (publicKey === undefined) {
    throw new RokuError(
      'ROKU_REGISTRY_UNKNOWN_SIGNER',
      `${where}: signed by key ${signature.keyId}, which is not trusted`,
      {
        details: { id: payload.id, version: payload.version, keyId: signature.keyId },
      },
    );
  }
  const bytes = Buffer.from(signature.signature, 'base64');
  const ok =
    bytes.length === SIGNATURE_BYTES &&
    bytes.toString('base64') === signature.signature &&
    verify(null, payloadBytes(payload), publicKeyObject(publicKey), bytes);
  if (!ok) {
    throw new RokuError(
      'ROKU_REGISTRY_BAD_SIGNATURE',
      `${where}: the signature of key ${signature.keyId} does not match the package contents`,
      { details: { id: payload.id, version: payload.version, keyId: signature.keyId } },
    );
  }
  return { keyId: signature.keyId, publicKey };
}
