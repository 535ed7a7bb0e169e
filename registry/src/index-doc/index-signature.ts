import { createPublicKey, sign, verify } from 'node:crypto';
import { RokuError } from '@roku/schemas';
import { canonicalJson } from '../signing/canonical-json.js';
import { formatPublicKey, keyId, privateKeyObject, publicKeyObject } from '../signing/keys.js';
import type { IndexDocument, IndexDocumentSignature } from './types.js';

// Domain separation: an index signature can never be taken for a package signature, or the reverse.
const DOMAIN = 'roku-registry-index-signature-v1\n';
const SIGNATURE_BYTES = 64;
/** Clock skew tolerated on `issuedAt` from the future. */
const MAX_SKEW_MS = 5 * 60_000;

function signedBytes(doc: IndexDocument, signed: Omit<IndexDocumentSignature, 'signature'>): Buffer {
  // The document as signed: its own `signed` replaced by the signature's fields less the signature.
  return Buffer.from(DOMAIN + canonicalJson({ ...doc, signed }), 'utf8');
}

/**
 * Signs an index document with a registry key, valid until `now + ttlMs`: a client that requires signed
 * indexes refuses it after that, so a mirror cannot serve frozen metadata forever (TUF's freeze defence).
 * Servers sign on every response, so the expiry moves with time while the key stays with the server.
 *
 * @throws ROKU_REGISTRY_BAD_KEY
 */
export function signIndexDocument(
  doc: IndexDocument,
  privateKeyPem: string,
  ttlMs: number,
  now: Date = new Date(),
): IndexDocument {
  const key = privateKeyObject(privateKeyPem);
  const unsigned = {
    keyId: keyId(formatPublicKey(createPublicKey(key))),
    issuedAt: now.toISOString(),
    expires: new Date(now.getTime() + ttlMs).toISOString(),
  };
  const signature = sign(null, signedBytes(doc, unsigned), key).toString('base64');
  return { ...doc, signed: { ...unsigned, signature } };
}

/** What a client requires of the index documents of one registry. */
export interface IndexTrust {
  /** Registry public keys (`ed25519:<base64>`) allowed to sign its indexes. With any, a signature is required. */
  readonly keys: readonly string[];
  /** The clock; the system clock by default. */
  readonly now?: () => Date;
}

function refuse(
  code: 'ROKU_REGISTRY_INDEX_UNSIGNED' | 'ROKU_REGISTRY_INDEX_EXPIRED',
  source: string,
  why: string,
  details: Record<string, unknown> = {},
): RokuError {
  return new RokuError(code, `${source}: ${why}`, { details: { source, ...details } });
}

/**
 * Checks the signature and expiry of an index document against the registry keys a client trusts. With no
 * keys configured, nothing is required (an unsigned registry), but a signed document is still refused once
 * expired.
 *
 * @throws ROKU_REGISTRY_INDEX_UNSIGNED (missing, unknown key or bad signature),
 *   ROKU_REGISTRY_INDEX_EXPIRED (past `expires`, or issued in the future)
 */
export function checkIndexSignature(doc: IndexDocument, source: string, trust: IndexTrust): void {
  const now = (trust.now ?? (() => new Date()))();
  const signed = doc.signed;
  if (signed === undefined) {
    if (trust.keys.length === 0) return;
    throw refuse(
      'ROKU_REGISTRY_INDEX_UNSIGNED',
      source,
      'the index document is not signed, but this registry is configured with index keys; the server or mirror must sign it (roku registry serve --index-key)',
    );
  }
  if (trust.keys.length > 0) {
    const publicKey = trust.keys.find((k) => keyId(k) === signed.keyId);
    if (publicKey === undefined) {
      throw refuse(
        'ROKU_REGISTRY_INDEX_UNSIGNED',
        source,
        `the index document is signed by key ${signed.keyId}, which is not one of this registry's index keys`,
        { keyId: signed.keyId },
      );
    }
    const bytes = Buffer.from(signed.signature, 'base64');
    const rest = { keyId: signed.keyId, issuedAt: signed.issuedAt, expires: signed.expires };
    const ok =
      bytes.length === SIGNATURE_BYTES &&
      verify(null, signedBytes(doc, rest), publicKeyObject(publicKey), bytes);
    if (!ok) {
      throw refuse(
        'ROKU_REGISTRY_INDEX_UNSIGNED',
        source,
        `the index document's signature by key ${signed.keyId} does not verify: it was changed after signing`,
        { keyId: signed.keyId },
      );
    }
  }
  const expires = Date.parse(signed.expires);
  const issued = Date.parse(signed.issuedAt);
  if (!(expires > now.getTime())) {
    throw refuse(
      'ROKU_REGISTRY_INDEX_EXPIRED',
      source,
      `the index document expired at ${signed.expires}: the server or mirror serves stale metadata; try again later or use another mirror`,
      { expires: signed.expires },
    );
  }
  if (!(issued <= now.getTime() + MAX_SKEW_MS)) {
    throw refuse(
      'ROKU_REGISTRY_INDEX_EXPIRED',
      source,
      `the index document claims to be issued at ${signed.issuedAt}, in the future; check this machine's clock`,
      { issuedAt: signed.issuedAt },
    );
  }
}
