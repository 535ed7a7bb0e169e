import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { createTrustStore, resolveHome } from '@roku/host';
import { keyId } from '@roku/registry';
import type { CliIo } from '../../io.js';
import { report } from './output.js';

/** A key given on the command line: `ed25519:…` itself, or a file holding it (such as keygen's `.pub`). */
async function readPublicKey(io: CliIo, value: string): Promise<string> {
  if (value.startsWith('ed25519:')) return value;
  try {
    return (await readFile(resolve(io.cwd, value), 'utf8')).trim();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return value;
    throw err;
  }
}

/** `roku registry trust <key>`: adds a publisher key to `$ROKU_HOME/trust.json`. @throws ROKU_REGISTRY_BAD_KEY */
export function registryTrustCommand(io: CliIo, key: string, options: { json: boolean }): Promise<number> {
  return report(
    io,
    options.json,
    async () => {
      const publicKey = await readPublicKey(io, key);
      const id = await createTrustStore(resolveHome(io.env)).addTrustedKey(publicKey);
      return { keyId: id, publicKey };
    },
    (r) => `trusted ${r.keyId} ${r.publicKey}\n`,
  );
}

/** `roku registry keys`: lists the trusted publisher keys with their ids. */
export function registryKeysCommand(io: CliIo, options: { json: boolean }): Promise<number> {
  return report(
    io,
    options.json,
    async () => {
      const keys = await createTrustStore(resolveHome(io.env)).listTrustedKeys();
      return { keys: keys.map((publicKey) => ({ keyId: keyId(publicKey), publicKey })) };
    },
    (r) =>
      r.keys.length === 0 ? 'no trusted keys\n' : r.keys.map((k) => `${k.keyId} ${k.publicKey}\n`).join(''),
  );
}
