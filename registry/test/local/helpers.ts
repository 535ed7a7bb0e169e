import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach } from 'vitest';
import type { LocalRegistry } from '../../src/index.js';

/** A fresh temporary folder, removed after the current test. */
const made: string[] = [];
afterEach(async () => {
  await Promise.all(made.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});
export async function tempDir(prefix = 'roku-registry-'): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  made.push(dir);
  return dir;
}

export function integrity(bytes: Uint8Array): string {
  return `sha512-${createHash('sha512').update(bytes).digest('base64')}`;
}

export interface ManifestOptions {
  readonly engines?: string;
  readonly dependencies?: Record<string, string>;
  readonly description?: string;
  readonly network?: string[];
}

/** A minimal valid manifest contributing one tool. */
export function manifest(
  id: string,
  version: string,
  options: ManifestOptions = {},
): Record<string, unknown> {
  return {
    manifestVersion: 1,
    id,
    version,
    description: options.description ?? `The ${id} plugin`,
    license: 'MIT',
    engines: { roku: options.engines ?? '^0.1.0' },
    dependencies: options.dependencies ?? {},
    runtime: { type: 'isolate', entry: 'index.js' },
    contributes: {
      tools: [{ name: 'echo', description: 'Echoes.', inputSchema: { type: 'object' }, risk: ['read'] }],
    },
    permissions: { network: options.network ?? [] },
  };
}

/** Publishes one version with a small fake archive and one signature. */
export async function publish(
  registry: LocalRegistry,
  id: string,
  version: string,
  options: ManifestOptions = {},
): Promise<void> {
  const archiveBytes = new TextEncoder().encode(`archive of ${id}@${version}`);
  await registry.publish({
    manifest: manifest(id, version, options),
    archiveBytes,
    integrity: integrity(archiveBytes),
    signatures: [{ keyId: 'key-1', signature: 'c2lnbmF0dXJl' }],
  });
}
