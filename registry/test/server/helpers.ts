import type { Server } from 'node:http';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach } from 'vitest';
import { tempDir } from '@roku/test-support';
import type { PackedPlugin, RegistryServer } from '../../src/index.js';
import { createRegistryServer, packPlugin } from '../../src/index.js';
import { writePlugin } from '../archive/fixtures.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** Packs a real plugin folder (manifest, entry, README, assets) with manifest overrides. */
export async function packed(overrides: Record<string, unknown> = {}): Promise<PackedPlugin> {
  return packPlugin(await writePlugin(tempDir('registry-http'), overrides));
}

export const TOKEN = 'test-publish-token-0123456789';

/** A registry server over a temp folder, listening on 127.0.0.1 at a free port; closed after the test. */
export async function startRegistry(
  options: { bodyLimitBytes?: number } = {},
): Promise<{ url: string; root: string; server: RegistryServer }> {
  const root = tempDir('registry-http');
  const server = createRegistryServer({ root, tokens: [TOKEN], ...options });
  await server.listen({ host: '127.0.0.1', port: 0 });
  cleanups.push(() => server.close());
  const { port } = server.server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, root, server };
}

/** A bare loopback HTTP server with a scripted handler; closed (connections too) after the test. */
export async function startScripted(handler: Parameters<typeof createServer>[1]): Promise<string> {
  const server: Server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => {
          resolve();
        });
      }),
  );
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
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
