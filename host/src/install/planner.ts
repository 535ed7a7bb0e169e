import { RokuError } from '@roku/schemas';
import { admitInstalled, noAdmissionCache } from './admission.js';
import type { Lockfile, PackageSpec, PlannedPackage, Permissions } from '@roku/registry';
import { frozenCheck, parsePackageSpec, readLockfile, resolve } from '@roku/registry';
import type { InstallLayout } from './layout.js';
import { permissionDiff } from './permissions.js';
import { readState } from './state.js';
import type {
  InstallAction,
  InstallPlan,
  InstalledPlugin,
  InstallRegistry,
  PlannedInstall,
  PlanOptions,
} from './types.js';
import { compareVersions } from './version-compare.js';

interface PlannerContext {
  readonly layout: InstallLayout;
  readonly registries: readonly InstallRegistry[];
  readonly hostApiVersion: string;
}

function actionFor(pkg: PlannedPackage, current: InstalledPlugin | undefined, dir: string): InstallAction {
  if (current === undefined) return 'install';
  const order = compareVersions(pkg.version, current.version);
  if (order > 0) return 'update';
  if (order < 0) return 'downgrade';
  if (current.integrity !== pkg.integrity) return 'reinstall';
  // A copy changed on disk is placed again: installing the same version is how a user repairs it.
  return admitInstalled(dir, current, noAdmissionCache()).refused === undefined ? 'unchanged' : 'reinstall';
}

async function frozenRequests(
  layout: InstallLayout,
  requests: readonly PackageSpec[],
): Promise<{ lock: Lockfile; requests: PackageSpec[] }> {
  const lock = await readLockfile(layout.lockfile);
  if (lock === undefined) {
    throw new RokuError(
      'ROKU_INSTALL_FROZEN_MISMATCH',
      `${layout.lockfile}: does not exist and --frozen forbids creating it`,
      { details: { path: layout.lockfile, differences: [] } },
    );
  }
  const locked = Object.entries(lock.plugins).map(([id, p]): PackageSpec => ({
    id,
    range: p.version,
    tag: undefined,
  }));
  const lockedIds = new Set(locked.map((r) => r.id));
  return { lock, requests: [...locked, ...requests.filter((r) => !lockedIds.has(r.id))] };
}

/**
 * Resolves `specs` against the configured registries and describes, per plugin, what applying would do and
 * which permissions it would add. Reads only: no lock is taken and nothing is written.
 *
 * @throws ROKU_INSTALL_DOWNGRADE when a plugin would go to a lower version and `allowDowngrade` is not set.
 * @throws ROKU_INSTALL_FROZEN_MISMATCH with `frozen` when the result differs from roku.lock.
 * @throws every ROKU_REGISTRY_* code of `parsePackageSpec` and `resolve`.
 */
export async function planInstall(
  ctx: PlannerContext,
  specs: readonly (string | PackageSpec)[],
  options: PlanOptions = {},
): Promise<InstallPlan> {
  const state = await readState(ctx.layout);
  let requests = specs.map((s) => (typeof s === 'string' ? parsePackageSpec(s) : s));
  let lock: Lockfile | undefined;
  if (options.frozen === true) ({ lock, requests } = await frozenRequests(ctx.layout, requests));
  const installed = Object.fromEntries(Object.values(state.plugins).map((p) => [p.id, p.version]));
  const resolution = await resolve(requests, {
    registries: ctx.registries,
    hostApiVersion: ctx.hostApiVersion,
    installed,
    ...(lock === undefined ? {} : { locked: lock }),
  });
  if (lock !== undefined) {
    const differences = frozenCheck(resolution, lock);
    if (differences.length > 0) {
      throw new RokuError(
        'ROKU_INSTALL_FROZEN_MISMATCH',
        `${ctx.layout.lockfile}: the install would change ${differences.map((d) => `${d.id} (${d.field ?? d.kind})`).join(', ')}`,
        { details: { path: ctx.layout.lockfile, differences } },
      );
    }
  }
  const installs = resolution.packages.map((pkg): PlannedInstall => {
    const current = state.plugins[pkg.id];
    const action = actionFor(pkg, current, ctx.layout.pluginDir(pkg.id, pkg.version));
    if (action === 'downgrade' && options.allowDowngrade !== true) {
      throw new RokuError(
        'ROKU_INSTALL_DOWNGRADE',
        `${pkg.id}: ${current?.version ?? '?'} is installed and the plan would downgrade it to ${pkg.version}`,
        { details: { id: pkg.id, installed: current?.version, planned: pkg.version } },
      );
    }
    const requested: Permissions = pkg.manifestSummary.permissions;
    const granted: Permissions = current?.granted ?? {};
    return {
      package: pkg,
      action,
      ...(current === undefined || action === 'unchanged' ? {} : { previousVersion: current.version }),
      requested,
      granted,
      diff: permissionDiff(requested, granted),
    };
  });
  return { resolution, installs, frozen: options.frozen === true };
}
