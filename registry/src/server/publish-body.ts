import { RokuError } from '@roku/schemas';
import type { IndexSignature } from '../index-doc/types.js';

/** A publish request body, checked: the archive decoded from base64. */
export interface PublishBody {
  readonly archive: Uint8Array;
  readonly integrity: string;
  readonly signatures: readonly IndexSignature[];
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const KEY_ID = /^[0-9a-f]{16}$/;
const SIGNATURE_BYTES = 64;
const MAX_SIGNATURES = 16;

function bad(path: string, message: string): RokuError {
  return new RokuError('ROKU_REGISTRY_BAD_REQUEST', `body${path}: ${message}`, {
    details: { issues: [{ path, message }] },
  });
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function signatureAt(value: unknown, index: number): IndexSignature {
  const path = `/signatures/${index}`;
  if (!isRecord(value)) throw bad(path, 'must be an object { keyId, signature }');
  const { keyId, signature } = value;
  if (typeof keyId !== 'string' || !KEY_ID.test(keyId)) throw bad(`${path}/keyId`, 'must be 16 hex digits');
  if (
    typeof signature !== 'string' ||
    !BASE64.test(signature) ||
    Buffer.from(signature, 'base64').byteLength !== SIGNATURE_BYTES
  ) {
    throw bad(`${path}/signature`, `must be the base64 of ${SIGNATURE_BYTES} bytes`);
  }
  return { keyId, signature };
}

/**
 * Checks the shape of a publish body `{ archive: base64, integrity, signatures }`. The archive itself is
 * checked later, by unpacking it.
 *
 * @throws ROKU_REGISTRY_BAD_REQUEST naming the first bad field (`details.issues[0].path`).
 */
export function parsePublishBody(body: unknown): PublishBody {
  if (!isRecord(body)) throw bad('', 'must be a JSON object { archive, integrity, signatures }');
  const { archive, integrity, signatures } = body;
  if (typeof archive !== 'string' || archive.length === 0 || !BASE64.test(archive)) {
    throw bad('/archive', 'must be the non-empty base64 of the package archive');
  }
  if (typeof integrity !== 'string' || integrity.length === 0 || integrity.length > 200) {
    throw bad('/integrity', "must be an SRI digest like 'sha512-<base64>'");
  }
  if (!Array.isArray(signatures) || signatures.length > MAX_SIGNATURES) {
    throw bad('/signatures', `must be an array of at most ${MAX_SIGNATURES} signatures`);
  }
  const unknown = Object.keys(body).find((k) => !['archive', 'integrity', 'signatures'].includes(k));
  if (unknown !== undefined) throw bad(`/${unknown}`, 'is not a publish field');
  return {
    archive: new Uint8Array(Buffer.from(archive, 'base64')),
    integrity,
    signatures: signatures.map((s: unknown, i) => signatureAt(s, i)),
  };
}
