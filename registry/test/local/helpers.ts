import { createHash } from 'node:crypto';
import type { LocalRegistry } from '../../src/index.js';
import { fixtureManifest } from '../../src/testing/index.js';
import type { FixtureManifestOptions } from '../../src/testing/index.js';

export function integrity(bytes: Uint8Array): string {
  return `sha512-${createHash('sha512').update(bytes).digest('base64')}`;
}

/** Publishes one version with a small fake archive and one signature. */
export async function publish(
  registry: LocalRegistry,
  id: string,
  version: string,
  options: FixtureManifestOptions = {},
): Promise<void> {
  const archiveBytes = new TextEncoder().encode(`archive of ${id}@${version}`);
  await registry.publish({
    manifest: fixtureManifest(id, version, options),
    archiveBytes,
    integrity: integrity(archiveBytes),
    signatures: [{ keyId: 'key-1', signature: 'c2lnbmF0dXJl' }],
  });
}
