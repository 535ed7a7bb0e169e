import { realpathSync, statSync } from 'node:fs';
import { join, sep } from 'node:path';
import { RokuError } from '@roku/schemas';

/** Largest entry file (bundle or wasm module) the host will load. */
export const MAX_ENTRY_BYTES = 64 * 1024 * 1024;

/**
 * The real path of a plugin's runtime entry: a regular file inside the plugin folder (after symlinks), at most
 * MAX_ENTRY_BYTES.
 *
 * @throws ROKU_SANDBOX_LOAD_FAILED
 */
export function resolveEntry(dir: string, entry: string): string {
  const root = realpathSync(dir);
  let path: string;
  try {
    path = realpathSync(join(root, entry));
  } catch {
    throw new RokuError(
      'ROKU_SANDBOX_LOAD_FAILED',
      `${join(dir, entry)}: runtime entry not found (build the plugin first)`,
    );
  }
  if (!path.startsWith(root + sep)) {
    throw new RokuError(
      'ROKU_SANDBOX_LOAD_FAILED',
      `${join(dir, entry)}: runtime entry resolves outside the plugin folder`,
    );
  }
  const stat = statSync(path);
  if (!stat.isFile())
    throw new RokuError('ROKU_SANDBOX_LOAD_FAILED', `${path}: runtime entry is not a regular file`);
  if (stat.size > MAX_ENTRY_BYTES) {
    throw new RokuError(
      'ROKU_SANDBOX_LOAD_FAILED',
      `${path}: ${stat.size} bytes exceeds the ${MAX_ENTRY_BYTES}-byte cap`,
    );
  }
  return path;
}
