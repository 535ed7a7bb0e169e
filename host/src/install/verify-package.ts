import { join } from 'node:path';
import { RokuError, isRokuError } from '@roku/schemas';
import { canonicalJson, keyId, summarizeManifest, verifyArchive } from '@roku/registry';
import type { PlannedPackage, VerifiedArchive } from '@roku/registry';
import { preferredSignature } from './publisher-binding.js';

const UNTRUSTED_CODES = new Set([
  'ROKU_REGISTRY_UNSIGNED',
  'ROKU_REGISTRY_UNKNOWN_SIGNER',
  'ROKU_REGISTRY_BAD_SIGNATURE',
]);

function untrusted(pkg: PlannedPackage, reason: string, cause?: unknown): RokuError {
  return new RokuError(
    'ROKU_INSTALL_UNTRUSTED',
    `${pkg.id}@${pkg.version}: ${reason}; trust the publisher key or allow this plugin unsigned`,
    {
      details: { id: pkg.id, version: pkg.version, keyIds: pkg.signatures.map((s) => s.keyId) },
      ...(cause === undefined ? {} : { cause }),
    },
  );
}

/**
 * Verifies archive bytes for a planned package and leaves the extracted files in `destDir`. The digest and
 * the presence of a signature by a trusted key are checked before anything is extracted; the signature
 * itself covers every file digest, so it is checked on the extracted copy, which is removed if it fails.
 *
 * @throws ROKU_INSTALL_UNTRUSTED for an unsigned package, an unknown signer or a bad signature, unless the
 *   plugin is in `allowUnsigned` (a bad signature by a trusted key is never accepted).
 * `boundKeyId` (an installed plugin's publisher key) is checked first when it signed this release.
 * @throws ROKU_INSTALL_TAMPERED when the bytes do not match the planned integrity.
 * @throws ROKU_INSTALL_MANIFEST_MISMATCH when the archive's manifest is not the planned one.
 */
export async function verifyPlanned(
  pkg: PlannedPackage,
  bytes: Uint8Array,
  trustedKeys: readonly string[],
  allowUnsigned: boolean,
  destDir: string,
  boundKeyId?: string | null,
): Promise<VerifiedArchive> {
  const trustedIds = new Set(trustedKeys.map((k) => keyId(k)));
  const signature = preferredSignature(pkg, trustedIds, boundKeyId);
  if (signature === undefined && !allowUnsigned) {
    throw untrusted(
      pkg,
      pkg.signatures.length === 0 ? 'the package is not signed' : 'no signature is by a trusted key',
    );
  }
  let verified: VerifiedArchive;
  try {
    verified = await verifyArchive(bytes, {
      integrity: pkg.integrity,
      signature,
      trustedKeys,
      allowUnsigned: signature === undefined,
      destDir,
    });
  } catch (err) {
    if (isRokuError(err) && UNTRUSTED_CODES.has(err.code)) throw untrusted(pkg, err.message, err);
    if (isRokuError(err) && err.code === 'ROKU_REGISTRY_INTEGRITY') {
      throw new RokuError('ROKU_INSTALL_TAMPERED', `${pkg.id}@${pkg.version}: ${err.message}`, {
        details: { id: pkg.id, version: pkg.version, registry: pkg.registry },
        cause: err,
      });
    }
    throw err;
  }
  const summary = summarizeManifest(verified.manifest);
  if (canonicalJson(summary) !== canonicalJson(pkg.manifestSummary)) {
    throw new RokuError(
      'ROKU_INSTALL_MANIFEST_MISMATCH',
      `${join(destDir, 'roku.plugin.json')}: the archive of ${pkg.id}@${pkg.version} declares ${summary.id}@${summary.version} with a manifest that differs from the registry index`,
      { details: { id: pkg.id, version: pkg.version, archived: summary, planned: pkg.manifestSummary } },
    );
  }
  return verified;
}
