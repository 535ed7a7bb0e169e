import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { RokuError, isRokuError } from '@roku/schemas';
import { checkIntegrity } from '@roku/registry';
import type { PlannedPackage } from '@roku/registry';
import { isMissing, writeFileDurable } from './durable-write.js';
import type { InstallRegistry } from './types.js';

/** `cache/archives/<sha512-hex>.tgz` for an SRI integrity; other algorithms get their own prefix. */
export function cachePath(archives: string, integrity: string): string {
  const dash = integrity.indexOf('-');
  const algorithm = integrity.slice(0, dash);
  const hex = Buffer.from(integrity.slice(dash + 1), 'base64').toString('hex');
  return join(archives, `${algorithm === 'sha512' ? '' : `${algorithm}-`}${hex}.tgz`);
}

function tampered(pkg: PlannedPackage, err: unknown): RokuError {
  return new RokuError(
    'ROKU_INSTALL_TAMPERED',
    `${pkg.id}@${pkg.version}: the archive from registry '${pkg.registry}' does not match its integrity ${pkg.integrity}`,
    { details: { id: pkg.id, version: pkg.version, registry: pkg.registry }, cause: err },
  );
}

/**
 * The archive bytes of a planned package: from the content-addressed cache when a file with the right
 * digest is there, else fetched from its registry, checked against the integrity and then cached.
 *
 * @throws ROKU_INSTALL_TAMPERED when the fetched bytes do not match the planned integrity.
 */
export async function getArchive(
  archives: string,
  pkg: PlannedPackage,
  registries: readonly InstallRegistry[],
  logger: Logger,
): Promise<{ bytes: Uint8Array; cached: boolean }> {
  const file = cachePath(archives, pkg.integrity);
  try {
    const bytes = new Uint8Array(await readFile(file));
    checkIntegrity(bytes, pkg.integrity);
    return { bytes, cached: true };
  } catch (err) {
    if (!isMissing(err)) {
      logger.warn({ err, file }, 'discarding corrupt cached archive');
      await rm(file, { force: true });
    }
  }
  const registry = registries.find((r) => r.name === pkg.registry);
  if (registry === undefined) {
    throw new RokuError(
      'ROKU_INSTALL_STATE_INVALID',
      `${pkg.id}@${pkg.version}: the plan names registry '${pkg.registry}', which is not configured`,
      { details: { id: pkg.id, registry: pkg.registry } },
    );
  }
  const bytes = await registry.source.fetchArchive(pkg.id, pkg.version);
  try {
    checkIntegrity(bytes, pkg.integrity);
  } catch (err) {
    if (isRokuError(err) && err.code === 'ROKU_REGISTRY_INTEGRITY') throw tampered(pkg, err);
    throw err;
  }
  await writeFileDurable(file, bytes);
  return { bytes, cached: false };
}
