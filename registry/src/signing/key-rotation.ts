import { createPublicKey, sign, verify } from 'node:crypto';
import { RokuError, parseStrictJson } from '@roku/schemas';
import { formatPublicKey, keyId, privateKeyObject, publicKeyObject } from './keys.js';

/** File name of a key rotation statement inside a plugin folder (packed with it). */
export const KEY_ROTATION_FILE = 'roku.key-rotation.json';

/** The old publisher key's consent that a plugin is now signed by a new key. */
export interface KeyRotation {
  readonly rotation: 1;
  readonly pluginId: string;
  /** Key id of the old key, which signs this statement. */
  readonly from: string;
  /** Key id of the new key. */
  readonly to: string;
  /** Base64 Ed25519 signature by `from`. */
  readonly signature: string;
}

const DOMAIN = 'roku-key-rotation-v1';

function statementBytes(pluginId: string, from: string, to: string): Buffer {
  return Buffer.from(`${DOMAIN}\n${pluginId}\n${from}\n${to}`, 'utf8');
}

/**
 * Signs, with the old key, that `pluginId` moves to the key `newPublicKey`. Published inside the package
 * (`roku.key-rotation.json`), it lets installs bound to the old key accept releases signed by the new one.
 *
 * @throws ROKU_REGISTRY_BAD_KEY
 */
export function signKeyRotation(
  pluginId: string,
  oldPrivateKeyPem: string,
  newPublicKey: string,
): KeyRotation {
  const key = privateKeyObject(oldPrivateKeyPem);
  const from = keyId(formatPublicKey(createPublicKey(key)));
  const to = keyId(newPublicKey);
  const signature = sign(null, statementBytes(pluginId, from, to), key).toString('base64');
  return { rotation: 1, pluginId, from, to, signature };
}

/**
 * True when `text` is a rotation statement for `pluginId` from `from` to `to`, signed by `fromPublicKey`.
 * Anything else (malformed, another plugin or key, a bad signature) is false.
 */
export function verifyKeyRotation(
  text: string,
  pluginId: string,
  from: string,
  to: string,
  fromPublicKey: string,
): boolean {
  let value: Partial<KeyRotation>;
  try {
    value = parseStrictJson(text) as Partial<KeyRotation>;
  } catch {
    return false;
  }
  if (value.rotation !== 1 || value.pluginId !== pluginId || value.from !== from || value.to !== to)
    return false;
  if (typeof value.signature !== 'string' || keyId(fromPublicKey) !== from) return false;
  const bytes = Buffer.from(value.signature, 'base64');
  try {
    return (
      bytes.length === 64 &&
      verify(null, statementBytes(pluginId, from, to), publicKeyObject(fromPublicKey), bytes)
    );
  } catch (err) {
    if (err instanceof RokuError) return false;
    throw err;
  }
}
