import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { RokuError } from '@roku/schemas';
import type { PlannedPackage } from '@roku/registry';
import { KEY_ROTATION_FILE, keyId, verifyKeyRotation } from '@roku/registry';
import type { InstalledPlugin } from './types.js';

/** The key id an installed plugin is bound to; undefined when nothing is installed yet (no binding). */
export function boundKey(current: InstalledPlugin | undefined): string | null | undefined {
  if (current === undefined) return undefined;
  return current.publisherKey !== undefined ? current.publisherKey : current.signer;
}

/**
 * The signature to check for a package: the bound key's when it signed this release (a co-signed rotation
 * keeps the binding), else the first by a trusted key.
 */
export function preferredSignature(
  pkg: PlannedPackage,
  trustedIds: ReadonlySet<string>,
  bound: string | null | undefined,
): PlannedPackage['signatures'][number] | undefined {
  const byBound = typeof bound === 'string' ? pkg.signatures.find((s) => s.keyId === bound) : undefined;
  return byBound ?? pkg.signatures.find((s) => trustedIds.has(s.keyId));
}

/**
 * Decides the publisher key a verified release binds to. A first install binds to its signer. An update by
 * the bound key keeps it; one signed by another key moves the binding when the bound key signed the rotation
 * (`rotatedByBoundKey`, the package's roku.key-rotation.json); otherwise (or unsigned) it is refused unless the
 * user accepted the new key for this plugin, which moves the binding and logs a warning naming both keys.
 *
 * @throws ROKU_INSTALL_KEY_CHANGED naming both keys and the fix
 */
export function bindPublisherKey(
  pkg: PlannedPackage,
  signer: string | null,
  bound: string | null | undefined,
  acceptNewKey: boolean,
  logger: Logger,
  rotatedByBoundKey: (from: string, to: string) => boolean = () => false,
): string | null {
  if (bound === undefined || bound === null || signer === bound) return signer ?? bound ?? null;
  if (signer !== null && rotatedByBoundKey(bound, signer)) {
    logger.info({ pluginId: pkg.id, from: bound, to: signer }, 'publisher key rotated by the old key');
    return signer;
  }
  const shown = signer ?? 'no key (unsigned)';
  if (!acceptNewKey) {
    throw new RokuError(
      'ROKU_INSTALL_KEY_CHANGED',
      `${pkg.id}@${pkg.version}: signed by ${shown}, but the installed plugin is bound to publisher key ${bound}; ` +
        `if the publisher rotated keys, ask for a release with a rotation statement signed by ${bound} (roku plugin rotate-key), or accept the new key with ` +
        `--accept-new-key ${pkg.id} after checking it with the publisher`,
      { details: { id: pkg.id, version: pkg.version, boundKey: bound, signer } },
    );
  }
  logger.warn(
    { pluginId: pkg.id, version: pkg.version, boundKey: bound, newKey: signer },
    'publisher key changed and accepted by the user',
  );
  return signer;
}

/**
 * True when the extracted package in `dir` carries a rotation statement from the bound key `from` to the new
 * signer `to`, verified with `from`'s public key from the trust store (a key no longer trusted cannot rotate).
 */
export function rotationSigned(
  dir: string,
  pluginId: string,
  from: string,
  to: string,
  trustedKeys: readonly string[],
): boolean {
  const fromKey = trustedKeys.find((k) => keyId(k) === from);
  if (fromKey === undefined) return false;
  let text: string;
  try {
    text = readFileSync(join(dir, KEY_ROTATION_FILE), 'utf8');
  } catch {
    return false;
  }
  return verifyKeyRotation(text, pluginId, from, to, fromKey);
}
