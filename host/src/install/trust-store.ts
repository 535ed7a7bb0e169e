import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { RokuError } from '@roku/schemas';
import { keyId } from '@roku/registry';
import { isMissing, writeFileDurable } from './durable-write.js';

/** Publisher keys whose signatures the installer accepts. */
export interface TrustStore {
  /** Trusted keys, `ed25519:<base64>`, in the order they were added. */
  listTrustedKeys(): Promise<string[]>;
  /**
   * Trusts a publisher key and returns its key id; adding a key twice is a no-op.
   *
   * @throws ROKU_REGISTRY_BAD_KEY when the key is not `ed25519:<base64 of 32 bytes>`.
   */
  addTrustedKey(publicKey: string): Promise<string>;
}

interface TrustFile {
  readonly keys: readonly string[];
}

/**
 * The trust store kept in `<home>/trust.json` (`{ "keys": ["ed25519:…"] }`), written atomically.
 *
 * @throws ROKU_INSTALL_STATE_INVALID from its methods when trust.json is malformed.
 * @example
 * const trust = createTrustStore(home);
 * await trust.addTrustedKey('ed25519:…');
 */
export function createTrustStore(home: string): TrustStore {
  const file = join(resolve(home), 'trust.json');
  const read = async (): Promise<string[]> => {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (err) {
      if (isMissing(err)) return [];
      throw err;
    }
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (err) {
      throw new RokuError('ROKU_INSTALL_STATE_INVALID', `${file}: is not valid JSON`, {
        details: { path: file },
        cause: err,
      });
    }
    const keys = (value as Partial<TrustFile> | null)?.keys;
    if (!Array.isArray(keys) || !keys.every((k): k is string => typeof k === 'string')) {
      throw new RokuError('ROKU_INSTALL_STATE_INVALID', `${file}: /keys must be a list of strings`, {
        details: { path: file },
      });
    }
    return keys;
  };
  return {
    listTrustedKeys: read,
    async addTrustedKey(publicKey) {
      const id = keyId(publicKey);
      const keys = await read();
      if (!keys.includes(publicKey)) {
        await writeFileDurable(file, `${JSON.stringify({ keys: [...keys, publicKey] }, null, 2)}\n`);
      }
      return id;
    },
  };
}
