import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { isMissing } from './durable-write.js';
import type { InstallLayout } from './layout.js';
import { pluginDirName } from '../plugins/plugin-folder.js';
import { repairLockfile } from './state.js';
import type { InstalledState } from './types.js';

async function subdirs(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir, { withFileTypes: true })).filter((e) => e.isDirectory()).map((e) => e.name);
  } catch (err) {
    if (isMissing(err)) return [];
    throw err;
  }
}

/**
 * Finishes or rolls back what a process killed while holding the install lock left behind. installed.json is
 * the commit point, so everything is brought in line with it: staging and trash folders go, plugin folders
 * and version folders it does not name go (an uninstall killed after its commit), and roku.lock is rewritten
 * when it disagrees. Runs under the install lock only. Returns what it repaired, for the log.
 */
export async function recoverInstallTree(
  layout: InstallLayout,
  state: InstalledState,
  logger: Logger,
): Promise<string[]> {
  const repaired: string[] = [];
  for (const leftover of [layout.staging, layout.trash]) {
    if ((await subdirs(leftover)).length > 0) repaired.push(leftover);
    await rm(leftover, { recursive: true, force: true });
  }
  const wanted = new Map(Object.values(state.plugins).map((p) => [pluginDirName(p.id), p.version]));
  for (const name of await subdirs(layout.plugins)) {
    if (name.startsWith('.')) continue;
    const version = wanted.get(name);
    const root = join(layout.plugins, name);
    if (version === undefined) {
      await rm(root, { recursive: true, force: true });
      repaired.push(root);
      continue;
    }
    for (const v of await subdirs(root)) {
      if (v === version) continue;
      await rm(join(root, v), { recursive: true, force: true });
      repaired.push(join(root, v));
    }
  }
  if (await repairLockfile(layout, state)) repaired.push(layout.lockfile);
  if (repaired.length > 0) logger.warn({ repaired }, 'finished what an interrupted install change left');
  return repaired;
}
