import { createHash, timingSafeEqual } from 'node:crypto';
import { RokuError } from '@roku/schemas';

const SRI = /^(sha512|sha256)-([A-Za-z0-9+/]+={0,2})$/;
const DIGEST_BYTES = { sha512: 64, sha256: 32 } as const;

/** The SRI sha512 digest of `bytes`: `sha512-<base64>`, the form registries publish. */
export function computeIntegrity(bytes: Uint8Array): string {
  return `sha512-${createHash('sha512').update(bytes).digest('base64')}`;
}

/** Hex sha256 of `bytes`, the digest used for files inside a package. */
export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/**
 * Checks `bytes` against an SRI string (`sha512-<base64>` or `sha256-<base64>`), in constant time.
 *
 * @throws ROKU_REGISTRY_BAD_INTEGRITY when `expected` is not one of those forms.
 * @throws ROKU_REGISTRY_INTEGRITY when the digest differs.
 */
export function checkIntegrity(bytes: Uint8Array, expected: string): void {
  const match = SRI.exec(expected.trim());
  const algorithm = match?.[1] as keyof typeof DIGEST_BYTES | undefined;
  const wanted = match?.[2] === undefined ? undefined : Buffer.from(match[2], 'base64');
  if (algorithm === undefined || wanted?.length !== DIGEST_BYTES[algorithm]) {
    throw new RokuError(
      'ROKU_REGISTRY_BAD_INTEGRITY',
      `'${expected.slice(0, 120)}' is not an SRI digest like sha512-<base64>`,
      { details: { integrity: expected.slice(0, 120) } },
    );
  }
  const actual = createHash(algorithm).update(bytes).digest();
  if (!timingSafeEqual(actual, wanted)) {
    throw new RokuError(
      'ROKU_REGISTRY_INTEGRITY',
      `archive of ${bytes.byteLength} bytes has ${algorithm}-${actual.toString('base64')}, expected ${expected}`,
      { details: { expected, actual: `${algorithm}-${actual.toString('base64')}`, size: bytes.byteLength } },
    );
  }
}
