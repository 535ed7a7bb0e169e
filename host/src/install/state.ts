import { readFile } from 'node:fs/promises';
import { isDeepStrictEqual } from 'node:util';
import { RokuError } from '@roku/schemas';
import type { LockedPlugin, Lockfile } from '@roku/registry';
import { parseLockfile, readLockfile, serializeLockfile } from '@roku/registry';
import { isMissing, writeFileDurable } from './durable-write.js';
import type { InstallLayout } from './layout.js';
import type { InstalledState } from './types.js';

export const EMPTY_STATE: InstalledState = { stateVersion: 1, plugins: {} };

function invalid(path: string, message: string, cause?: unknown): RokuError {
  return new RokuError('ROKU_INSTALL_STATE_INVALID', `${path}: ${message}`, {
    details: { path },
    ...(cause === undefined ? {} : { cause }),
  });
}

/** Reads installed.json; an absent file is the empty state. @throws ROKU_INSTALL_STATE_INVALID */
export async function readState(layout: InstallLayout): Promise<InstalledState> {
  let text: string;
  try {
    text = await readFile(layout.state, 'utf8');
  } catch (err) {
    if (isMissing(err)) return EMPTY_STATE;
    throw err;
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw invalid(layout.state, 'is not valid JSON', err);
  }
  const state = (typeof value === 'object' && value !== null ? value : {}) as Record<string, unknown>;
  if (state.stateVersion !== 1 || typeof state.plugins !== 'object' || state.plugins === null) {
    throw invalid(layout.state, '/stateVersion must be 1 and /plugins an object');
  }
  return state as unknown as InstalledState;
}

/** The lockfile that describes an installed state. */
export function lockFromState(state: InstalledState): Lockfile {
  const plugins: Record<string, LockedPlugin> = {};
  for (const id of Object.keys(state.plugins).sort()) {
    const p = state.plugins[id];
    if (p === undefined) continue;
    plugins[id] = {
      version: p.version,
      registry: p.registry,
      integrity: p.integrity,
      signer: p.signer,
      publisherKey: p.publisherKey ?? p.signer,
      permissions: p.granted,
      dependencies: p.dependencies,
    };
  }
  return { lockfileVersion: 1, plugins };
}

/**
 * Commits a state: installed.json first (the commit point, after which `onCommitted` runs), then roku.lock
 * derived from it. Both are written durably. A failure to write roku.lock is returned, not thrown: the
 * change stands and {@link repairLockfile} rewrites the lockfile on the next locked operation.
 */
export async function commitState(
  layout: InstallLayout,
  state: InstalledState,
  onCommitted: () => void = () => undefined,
): Promise<unknown> {
  const lock = parseLockfile(lockFromState(state), layout.lockfile);
  await writeFileDurable(layout.state, `${JSON.stringify(state, null, 2)}\n`);
  onCommitted();
  try {
    await writeFileDurable(layout.lockfile, serializeLockfile(lock));
    return undefined;
  } catch (err) {
    return err;
  }
}

/** Rewrites roku.lock when it disagrees with installed.json (the source of truth). Returns true if it did. */
export async function repairLockfile(layout: InstallLayout, state: InstalledState): Promise<boolean> {
  const wanted = lockFromState(state);
  let current: Lockfile | undefined;
  try {
    current = await readLockfile(layout.lockfile);
  } catch {
    current = undefined;
  }
  if (current === undefined && Object.keys(state.plugins).length === 0) return false;
  if (current !== undefined && isDeepStrictEqual(current, parseLockfile(wanted, layout.lockfile)))
    return false;
  await writeFileDurable(layout.lockfile, serializeLockfile(parseLockfile(wanted, layout.lockfile)));
  return true;
}
