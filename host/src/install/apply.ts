import { randomBytes } from 'node:crypto';
import { access, mkdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { RokuError } from '@roku/schemas';
import { getArchive } from './archive-cache.js';
import { syncDir } from './durable-write.js';
import { acquireInstallLock } from './install-lock.js';
import type { InstallLayout } from './layout.js';
import { bindPublisherKey, boundKey, rotationSigned } from './publisher-binding.js';
import { recoverInstallTree } from './recover.js';
import { admitInstalled, noAdmissionCache as noCache } from './admission.js';
import { commitState, readState } from './state.js';
import type { TrustStore } from './trust-store.js';
import type {
  ApplyOptions,
  ApplyStep,
  InstalledPlugin,
  InstalledState,
  InstallPlan,
  InstallRegistry,
  PlannedInstall,
} from './types.js';
import { verifyPlanned } from './verify-package.js';

/** What the installer shares with its operations. */
export interface InstallContext {
  readonly layout: InstallLayout;
  readonly registries: readonly InstallRegistry[];
  readonly trust: TrustStore;
  readonly logger: Logger;
  readonly lockWaitMs: number;
}

type Undo = () => Promise<void>;

const exists = (path: string): Promise<boolean> =>
  access(path).then(
    () => true,
    () => false,
  );

/**
 * Runs `task` holding the install lock, after finishing or rolling back what a process killed while holding it
 * left behind (see {@link recoverInstallTree}).
 */
export async function withInstallLock<T>(
  ctx: InstallContext,
  task: (state: InstalledState) => Promise<T>,
  onRepaired: (repaired: string[]) => void = () => undefined,
): Promise<T> {
  await mkdir(ctx.layout.home, { recursive: true });
  const release = await acquireInstallLock(ctx.layout.installLock, ctx.lockWaitMs, ctx.logger);
  try {
    const state = await readState(ctx.layout);
    onRepaired(await recoverInstallTree(ctx.layout, state, ctx.logger));
    return await task(state);
  } finally {
    // A failed install leaves nothing staged behind it.
    await rm(ctx.layout.staging, { recursive: true, force: true }).catch((err: unknown) => {
      ctx.logger.warn({ err }, 'cannot remove the staging folder');
    });
    await release();
  }
}

async function askGrants(plan: InstallPlan, options: ApplyOptions): Promise<void> {
  for (const install of plan.installs) {
    if (install.action === 'unchanged' || install.diff.empty) continue;
    if (!(await options.grant(install, install.diff))) {
      const { id, version } = install.package;
      throw new RokuError(
        'ROKU_INSTALL_DENIED',
        `${id}@${version}: the requested permissions were not granted`,
        {
          details: { id, version, diff: install.diff },
        },
      );
    }
  }
}

/** Extracts, verifies and moves one package into place; returns its record and how to undo the move. */
async function placePackage(
  ctx: InstallContext,
  install: PlannedInstall,
  current: InstalledPlugin | undefined,
  trustedKeys: readonly string[],
  options: ApplyOptions,
  undo: Undo[],
): Promise<InstalledPlugin> {
  const pkg = install.package;
  const progress = async (step: ApplyStep): Promise<void> => options.onProgress?.(step, pkg.id);
  const { bytes, cached } = await getArchive(ctx.layout.archives, pkg, ctx.registries, ctx.logger);
  ctx.logger.debug({ pluginId: pkg.id, version: pkg.version, cached }, 'archive ready');
  await progress('fetched');
  const staging = join(ctx.layout.staging, randomBytes(8).toString('hex'));
  const allowUnsigned = options.allowUnsigned?.includes(pkg.id) === true;
  const bound = boundKey(current);
  const verified = await verifyPlanned(pkg, bytes, trustedKeys, allowUnsigned, staging, bound);
  const signer = verified.signer?.keyId ?? null;
  let publisherKey: string | null;
  try {
    const accept = options.acceptNewKey?.includes(pkg.id) === true;
    publisherKey = bindPublisherKey(pkg, signer, bound, accept, ctx.logger, (from, to) =>
      rotationSigned(staging, pkg.id, from, to, trustedKeys),
    );
  } catch (err) {
    await rm(staging, { recursive: true, force: true });
    throw err;
  }
  await progress('verified');
  await progress('staged');
  const target = ctx.layout.pluginDir(pkg.id, pkg.version);
  const root = ctx.layout.pluginRoot(pkg.id);
  if (!(await exists(root))) {
    await mkdir(root, { recursive: true });
    // A first install rolled back leaves no empty plugin folder behind.
    undo.push(() => rm(root, { recursive: true, force: true }));
  }
  if (await exists(target)) {
    // Same version already on disk (a reinstall, or a crash leftover): park it so a rollback can restore it.
    const parked = join(ctx.layout.trash, randomBytes(8).toString('hex'));
    await mkdir(ctx.layout.trash, { recursive: true });
    await rename(target, parked);
    undo.push(async () => {
      await rm(target, { recursive: true, force: true });
      await rename(parked, target);
    });
  }
  await rename(staging, target);
  undo.push(() => rm(target, { recursive: true, force: true }));
  await syncDir(root);
  await progress('placed');
  return {
    id: pkg.id,
    version: pkg.version,
    registry: pkg.registry,
    integrity: pkg.integrity,
    signer,
    publisherKey,
    enabled: current?.enabled ?? true,
    granted: install.requested,
    dependencies: pkg.manifestSummary.dependencies,
    files: verified.files,
    requested: pkg.requested || current?.requested === true,
    installedAt: new Date().toISOString(),
  };
}

/**
 * Applies a plan transactionally: consent first, then under the install lock every archive is fetched (or
 * read from the cache), verified, staged and moved into place; installed.json is the commit point. A failure
 * before it undoes every move, so the previous state stays exactly as it was.
 *
 * @throws ROKU_INSTALL_DENIED, ROKU_INSTALL_LOCKED, ROKU_INSTALL_UNTRUSTED, ROKU_INSTALL_TAMPERED,
 *   ROKU_INSTALL_KEY_CHANGED (an update signed by a key other than the plugin's publisher key),
 *   ROKU_INSTALL_MANIFEST_MISMATCH and any archive or fetch error; the state is unchanged then.
 */
export async function applyPlan(
  ctx: InstallContext,
  plan: InstallPlan,
  options: ApplyOptions,
): Promise<InstalledState> {
  await askGrants(plan, options);
  return withInstallLock(ctx, async (state) => {
    const trustedKeys = await ctx.trust.listTrustedKeys();
    const undo: Undo[] = [];
    const plugins: Record<string, InstalledPlugin> = { ...state.plugins };
    const replaced: InstalledPlugin[] = [];
    const commit = { done: false };
    try {
      for (const install of plan.installs) {
        const { id, version } = install.package;
        const current = state.plugins[id];
        if (
          current?.version === version &&
          current.integrity === install.package.integrity &&
          // A modified or damaged copy is placed again: installing the same version is how a user repairs it.
          admitInstalled(ctx.layout.pluginDir(id, version), current, noCache()).refused === undefined
        ) {
          plugins[id] = { ...current, requested: current.requested || install.package.requested };
          continue;
        }
        plugins[id] = await placePackage(ctx, install, current, trustedKeys, options, undo);
        if (current !== undefined && current.version !== version) replaced.push(current);
      }
      await options.onProgress?.('before-commit', undefined);
      const next: InstalledState = { stateVersion: 1, plugins: sortById(plugins) };
      const lockError = await commitState(ctx.layout, next, () => {
        commit.done = true;
      });
      if (lockError !== undefined) ctx.logger.warn({ err: lockError }, 'roku.lock write failed after commit');
      await cleanupAfterCommit(ctx, replaced);
      ctx.logger.info({ plugins: plan.installs.map((i) => i.package.id) }, 'install committed');
      await options.onProgress?.('committed', undefined);
      return next;
    } catch (err) {
      if (!commit.done) {
        for (const step of undo.reverse()) {
          await step().catch((undoErr: unknown) => {
            ctx.logger.error({ err: undoErr }, 'rollback step failed');
          });
        }
        // The caller reports the error itself; the log keeps the record without a second user-facing message.
        ctx.logger.info({ err }, 'install rolled back');
      }
      throw err;
    }
  });
}

function sortById(plugins: Record<string, InstalledPlugin>): Record<string, InstalledPlugin> {
  return Object.fromEntries(Object.entries(plugins).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

async function cleanupAfterCommit(ctx: InstallContext, replaced: readonly InstalledPlugin[]): Promise<void> {
  try {
    await rm(ctx.layout.trash, { recursive: true, force: true });
    for (const old of replaced)
      await rm(ctx.layout.pluginDir(old.id, old.version), { recursive: true, force: true });
  } catch (err) {
    // The commit stands; leftovers are only disk space and are removed by the next install.
    ctx.logger.warn({ err }, 'cleanup after install failed');
  }
}
