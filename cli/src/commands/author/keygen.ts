import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { resolveHome } from '@roku/host';
import { generateKeyPair, keyId } from '@roku/registry';
import { RokuError } from '@roku/schemas';
import type { CliIo } from '../../io.js';
import { report } from './output.js';

/** File names `roku plugin keygen` writes inside its output folder. */
export const PRIVATE_KEY_FILE = 'roku-signing.pem';
export const PUBLIC_KEY_FILE = 'roku-signing.pub';

export interface KeygenResult {
  readonly publicKey: string;
  readonly keyId: string;
  readonly privateKeyFile: string;
  readonly publicKeyFile: string;
}

/**
 * `roku plugin keygen`: writes a fresh Ed25519 signing key pair, the private key PEM with mode 0600.
 * Refuses to overwrite an existing private key (ROKU_CLI_USAGE).
 */
export async function writeKeyPair(dir: string): Promise<KeygenResult> {
  const pair = generateKeyPair();
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const privateKeyFile = join(dir, PRIVATE_KEY_FILE);
  const publicKeyFile = join(dir, PUBLIC_KEY_FILE);
  try {
    await writeFile(privateKeyFile, pair.privateKeyPem, { mode: 0o600, flag: 'wx' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    throw new RokuError('ROKU_CLI_USAGE', `${privateKeyFile}: already exists; choose another --out folder`, {
      details: { path: privateKeyFile },
    });
  }
  await writeFile(publicKeyFile, `${pair.publicKey}\n`, { mode: 0o644 });
  return { publicKey: pair.publicKey, keyId: keyId(pair.publicKey), privateKeyFile, publicKeyFile };
}

export function keygenCommand(io: CliIo, options: { out?: string; json: boolean }): Promise<number> {
  const dir = options.out === undefined ? join(resolveHome(io.env), 'keys') : resolve(io.cwd, options.out);
  return report(
    io,
    options.json,
    () => writeKeyPair(dir),
    (r) =>
      `wrote ${r.privateKeyFile} (private, mode 0600) and ${r.publicKeyFile}\n` +
      `public key ${r.publicKey}\nkey id     ${r.keyId}\n`,
  );
}
