import { createHash } from 'node:crypto';
import { readdir, readFile, rm } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { RokuError } from '@roku/schemas';
import { readLockfile } from '@roku/registry';
import type { InstallContext } from './apply.js';
import { withInstallLock } from './apply.js';
import { isMissing } from './durable-write.js';
import { commitState } from './state.js';
import type { InstalledPlugin, InstalledState, VerifyProblem, VerifyReport } from './types.js';

function notInstalled(id: string): RokuError {
  return new RokuError('ROKU_INSTALL_NOT_INSTALLED', `${id} is not installed`, { details: { id } });
}

function without(state: InstalledState, id: string): InstalledState {
  return {
    stateVersion: 1,
    plugins: Object.fromEntries(Object.entries(state.plugins).filter(([k]) => k !== id)),
  };
}

/**
 * Removes an installed plugin: the state is committed first, then its folder is deleted.
 *
 * @throws ROKU_INSTALL_NOT_INSTALLED, ROKU_INSTALL_REQUIRED_BY (another installed plugin depends on it),
 *   ROKU_INSTALL_LOCKED.
 */
export function uninstallPlugin(ctx: InstallContext, id: string): Promise<InstalledState> {
  return withInstallLock(ctx, async (state) => {
    if (state.plugins[id] === undefined) throw notInstalled(id);
    const dependents = Object.values(state.plugins)
      .filter((p) => p.id !== id && id in p.dependencies)
      .map((p) => p.id)
      .sort();
    if (dependents.length > 0) {
      throw new RokuError('ROKU_INSTALL_REQUIRED_BY', `${id} is required by ${dependents.join(', ')}`, {
        details: { id, dependents },
      });
    }
    const next = without(state, id);
    const lockError = await commitState(ctx.layout, next);
    if (lockError !== undefined) ctx.logger.warn({ err: lockError }, 'roku.lock write failed after commit');
    await rm(ctx.layout.pluginRoot(id), { recursive: true, force: true });
    return next;
  });
}

/** Enables or disables an installed plugin. @throws ROKU_INSTALL_NOT_INSTALLED, ROKU_INSTALL_LOCKED */
export function setPluginEnabled(ctx: InstallContext, id: string, enabled: boolean): Promise<InstalledState> {
  return withInstallLock(ctx, async (state) => {
    const current = state.plugins[id];
    if (current === undefined) throw notInstalled(id);
    if (current.enabled === enabled) return state;
    const next: InstalledState = {
      stateVersion: 1,
      plugins: { ...state.plugins, [id]: { ...current, enabled } },
    };
    const lockError = await commitState(ctx.layout, next);
    if (lockError !== undefined) ctx.logger.warn({ err: lockError }, 'roku.lock write failed after commit');
    return next;
  });
}

async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => !e.isDirectory())
    .map((e) => relative(dir, join(e.parentPath, e.name)).split(sep).join('/'));
}

async function verifyPlugin(dir: string, plugin: InstalledPlugin): Promise<VerifyProblem[]> {
  const { id, version } = plugin;
  const problems: VerifyProblem[] = [];
  let present: string[];
  try {
    present = await listFiles(dir);
  } catch (err) {
    if (isMissing(err)) return [{ id, version, kind: 'not-installed' }];
    throw err;
  }
  const expected = new Set(plugin.files.map((f) => f.path));
  for (const file of plugin.files) {
    let data: Buffer;
    try {
      data = await readFile(join(dir, ...file.path.split('/')));
    } catch (err) {
      if (!isMissing(err)) throw err;
      problems.push({ id, version, kind: 'missing', path: file.path });
      continue;
    }
    if (createHash('sha256').update(data).digest('hex') !== file.sha256) {
      problems.push({ id, version, kind: 'modified', path: file.path });
    }
  }
  for (const path of present.filter((p) => !expected.has(p)).sort()) {
    problems.push({ id, version, kind: 'unexpected', path });
  }
  return problems;
}

/**
 * Re-hashes every installed file against the digests verified at install time and checks that roku.lock
 * names the same versions and integrities as installed.json. It takes the install lock, so it first finishes
 * what a killed install change left (reported as `repaired`); it changes nothing else.
 */
export async function verifyInstalled(ctx: InstallContext): Promise<VerifyReport> {
  let repaired: string[] = [];
  const report = await withInstallLock(
    ctx,
    (state) => checkInstalled(ctx, state),
    (done) => {
      repaired = done;
    },
  );
  return repaired.length > 0 ? { ...report, repaired } : report;
}

async function checkInstalled(ctx: InstallContext, state: InstalledState): Promise<VerifyReport> {
  const lock = await readLockfile(ctx.layout.lockfile);
  const problems: VerifyProblem[] = [];
  for (const plugin of Object.values(state.plugins)) {
    const locked = lock?.plugins[plugin.id];
    if (locked?.version !== plugin.version || locked.integrity !== plugin.integrity) {
      problems.push({ id: plugin.id, version: plugin.version, kind: 'lock-mismatch' });
    }
    problems.push(...(await verifyPlugin(ctx.layout.pluginDir(plugin.id, plugin.version), plugin)));
  }
  for (const id of Object.keys(lock?.plugins ?? {})) {
    if (state.plugins[id] === undefined) {
      problems.push({ id, version: lock?.plugins[id]?.version ?? '', kind: 'lock-mismatch' });
    }
  }
  return { ok: problems.length === 0, problems };
}
