import {
  closeSync,
  fsyncSync,
  openSync,
  readFileSync,
  renameSync,
  writeSync,
  chmodSync,
  unlinkSync,
} from 'node:fs';
import { join } from 'node:path';
import { RokuError } from '@roku/schemas';

/** `$ROKU_HOME/auth.json`: secrets by name, readable by the user only. */
export const AUTH_FILE_NAME = 'auth.json';
const SECRET_NAME = /^[A-Z_][A-Z0-9_]{0,127}$/;
const MAX_VALUE_BYTES = 16 * 1024;

interface StoredSecret {
  readonly value: string;
  /** ISO time of the last `roku auth set`. */
  readonly updatedAt: string;
}

interface AuthFile {
  readonly version: 1;
  readonly secrets: Record<string, StoredSecret>;
}

export function authFilePath(home: string): string {
  return join(home, AUTH_FILE_NAME);
}

function invalid(path: string, problem: string): RokuError {
  return new RokuError(
    'ROKU_CLI_AUTH_FILE_INVALID',
    `${path}: ${problem}; fix it or remove it and set the secrets again`,
    {
      details: { path },
    },
  );
}

/**
 * Reads the stored secrets; a missing file is an empty store.
 * @throws ROKU_CLI_AUTH_FILE_INVALID
 */
export function readAuthFile(home: string): AuthFile {
  const path = authFilePath(home);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as { code?: unknown }).code === 'ENOENT') return { version: 1, secrets: {} };
    throw err;
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw invalid(path, 'is not valid JSON');
  }
  const secrets = (doc as { secrets?: unknown } | null)?.secrets;
  if (typeof secrets !== 'object' || secrets === null || Array.isArray(secrets)) {
    throw invalid(path, '/secrets must be an object');
  }
  const out: Record<string, StoredSecret> = {};
  for (const [name, entry] of Object.entries(secrets)) {
    const value = (entry as { value?: unknown } | null)?.value;
    if (!SECRET_NAME.test(name) || typeof value !== 'string') {
      throw invalid(path, `/secrets/${name} must be {"value": "<string>"} under an upper-case name`);
    }
    const updatedAt = (entry as { updatedAt?: unknown }).updatedAt;
    out[name] = { value, updatedAt: typeof updatedAt === 'string' ? updatedAt : '' };
  }
  return { version: 1, secrets: out };
}

/** Writes the store: a temp file with mode 0600, fsync, atomic rename, then the mode forced again. */
function writeAuthFile(home: string, file: AuthFile): void {
  const path = authFilePath(home);
  const temp = `${path}.${process.pid}.tmp`;
  const fd = openSync(temp, 'w', 0o600);
  try {
    writeSync(fd, `${JSON.stringify(file, null, 2)}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    renameSync(temp, path);
  } catch (err) {
    unlinkSync(temp);
    throw err;
  }
  chmodSync(path, 0o600);
  // The rename is durable only once the directory entry is.
  const dir = openSync(home, 'r');
  try {
    fsyncSync(dir);
  } finally {
    closeSync(dir);
  }
}

/** @throws ROKU_CLI_USAGE for a name that is not a secret name */
export function checkSecretName(name: string): void {
  if (!SECRET_NAME.test(name)) {
    throw new RokuError(
      'ROKU_CLI_USAGE',
      `"${name}" is not a secret name: use upper-case letters, digits and '_' (e.g. OPENAI_API_KEY)`,
    );
  }
}

/** Stores (or replaces) one secret. @throws ROKU_CLI_USAGE, ROKU_CLI_AUTH_FILE_INVALID */
export function setSecret(home: string, name: string, value: string): void {
  checkSecretName(name);
  if (value === '') throw new RokuError('ROKU_CLI_USAGE', `no value given for ${name} on stdin`);
  if (Buffer.byteLength(value) > MAX_VALUE_BYTES) {
    throw new RokuError('ROKU_CLI_USAGE', `the value of ${name} is over ${MAX_VALUE_BYTES} bytes`);
  }
  const file = readAuthFile(home);
  writeAuthFile(home, {
    version: 1,
    secrets: { ...file.secrets, [name]: { value, updatedAt: new Date().toISOString() } },
  });
}

/** Removes one secret; false when it was not stored. */
export function removeSecret(home: string, name: string): boolean {
  checkSecretName(name);
  const file = readAuthFile(home);
  if (!(name in file.secrets)) return false;
  const secrets = Object.fromEntries(Object.entries(file.secrets).filter(([key]) => key !== name));
  writeAuthFile(home, { version: 1, secrets });
  return true;
}

/**
 * The environment plugins' secrets are read from: the stored secrets, overridden by the process environment
 * (environment variables win). An unreadable store is reported by `roku auth list`, not here: the run goes on
 * with the environment alone.
 */
export function envWithStoredSecrets(
  home: string,
  env: Readonly<Record<string, string | undefined>>,
): Record<string, string | undefined> {
  let stored: Record<string, StoredSecret>;
  try {
    stored = readAuthFile(home).secrets;
  } catch {
    return { ...env };
  }
  const merged: Record<string, string | undefined> = {};
  for (const [name, entry] of Object.entries(stored)) merged[name] = entry.value;
  for (const [name, value] of Object.entries(env)) if (value !== undefined) merged[name] = value;
  return merged;
}
