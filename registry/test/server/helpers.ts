import type { AddressInfo } from 'node:net';
import { cleanUpAfterUse, startLoopbackServer, tempDir } from '@roku/test-support';
import type { LoopbackHandler } from '@roku/test-support';
import type { PackedPlugin, RegistryServer } from '../../src/index.js';
import { createRegistryServer, packPlugin } from '../../src/index.js';
import { writePlugin } from '../archive/fixtures.js';

/** Packs a real plugin folder (manifest, entry, README, assets) with manifest overrides. */
export async function packed(overrides: Record<string, unknown> = {}): Promise<PackedPlugin> {
  return packPlugin(await writePlugin(tempDir('registry-http'), overrides));
}

export const TOKEN = 'test-publish-token-0123456789';

/** A registry server over a temp folder, listening on 127.0.0.1 at a free port; closed after the test. */
export async function startRegistry(
  options: { bodyLimitBytes?: number; indexKey?: string; indexTtlMs?: number } = {},
): Promise<{ url: string; root: string; server: RegistryServer }> {
  const root = tempDir('registry-http');
  const server = createRegistryServer({ root, tokens: [TOKEN], ...options });
  await server.listen({ host: '127.0.0.1', port: 0 });
  cleanUpAfterUse(() => server.close());
  const { port } = server.server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, root, server };
}

/** A loopback HTTP server answering with `handler` (closed after the test); resolves to its origin. */
export async function startScripted(handler: LoopbackHandler): Promise<string> {
  return (await startLoopbackServer(handler)).origin;
}

/** The body of a publish request for a packed plugin. */
export function publishBody(pack: PackedPlugin, overrides: Record<string, unknown> = {}): string {
  return JSON.stringify({
    archive: Buffer.from(pack.bytes).toString('base64'),
    integrity: pack.integrity,
    signatures: [],
    ...overrides,
  });
}
