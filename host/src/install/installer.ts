import type { PackageSpec } from '@roku/registry';
import type { InstallContext } from './apply.js';
import { applyPlan } from './apply.js';
import { installLayout } from './layout.js';
import { setPluginEnabled, uninstallPlugin, verifyInstalled } from './maintenance.js';
import { planInstall } from './planner.js';
import { readState } from './state.js';
import { signalPluginChange } from './change-signal.js';
import type {
  ApplyOptions,
  InstallChange,
  InstalledPlugin,
  InstalledState,
  InstallerOptions,
  InstallPlan,
  PlanOptions,
  VerifyReport,
} from './types.js';

const DEFAULT_LOCK_WAIT_MS = 10_000;

/** Installs, updates and removes plugins under ROKU_HOME. Every change is transactional. */
export interface Installer {
  /** Resolves specs and describes each plugin's action and permission diff. See {@link planInstall}. */
  plan(specs: readonly (string | PackageSpec)[], options?: PlanOptions): Promise<InstallPlan>;
  /** Applies a plan; nothing changes unless every package succeeds. See {@link applyPlan}. */
  apply(plan: InstallPlan, options: ApplyOptions): Promise<InstalledState>;
  /** @throws ROKU_INSTALL_NOT_INSTALLED, ROKU_INSTALL_REQUIRED_BY, ROKU_INSTALL_LOCKED */
  uninstall(id: string): Promise<void>;
  /** @throws ROKU_INSTALL_NOT_INSTALLED, ROKU_INSTALL_LOCKED */
  setEnabled(id: string, enabled: boolean): Promise<void>;
  /** Installed plugins, sorted by id. */
  list(): Promise<InstalledPlugin[]>;
  /** Re-hashes installed files and cross-checks roku.lock; reports tampering instead of throwing. */
  verify(): Promise<VerifyReport>;
}

/**
 * Creates the installer for one ROKU_HOME. Layout: `plugins/<scope>__<name>/<version>/`,
 * `state/installed.json`, `roku.lock`, `cache/archives/<sha512-hex>.tgz`, `trust.json`, `.install-lock.db` (a SQLite lock).
 *
 * @example
 * const installer = createInstaller({ home, registries, trust: createTrustStore(home), hostApiVersion, logger });
 * const plan = await installer.plan(['@acme/weather@^1']);
 * await installer.apply(plan, { grant: (plugin, diff) => askUser(plugin, diff) });
 */
export function createInstaller(options: InstallerOptions): Installer {
  const logger = options.logger.child({ component: 'installer' });
  const layout = installLayout(options.home);
  const ctx: InstallContext = {
    layout,
    registries: options.registries,
    trust: options.trust,
    logger,
    lockWaitMs: options.lockWaitMs ?? DEFAULT_LOCK_WAIT_MS,
  };
  const notify = async (change: InstallChange): Promise<void> => {
    // Running hosts learn of the change through the signal file; a failure to write it must not undo a
    // committed install, so it is logged.
    await signalPluginChange(options.home, change).catch((err: unknown) => {
      logger.error({ err }, 'cannot signal the plugin change to running hosts');
    });
    try {
      options.onChange?.(change);
    } catch (err) {
      logger.error({ err }, 'onChange listener failed');
    }
  };
  return {
    plan: (specs, planOptions) =>
      planInstall(
        { layout, registries: options.registries, hostApiVersion: options.hostApiVersion },
        specs,
        planOptions,
      ),
    async apply(plan, applyOptions) {
      const state = await applyPlan(ctx, plan, applyOptions);
      await notify({ kind: 'apply', ids: plan.installs.map((i) => i.package.id).sort() });
      return state;
    },
    async uninstall(id) {
      await uninstallPlugin(ctx, id);
      await notify({ kind: 'uninstall', ids: [id] });
    },
    async setEnabled(id, enabled) {
      await setPluginEnabled(ctx, id, enabled);
      await notify({ kind: enabled ? 'enable' : 'disable', ids: [id] });
    },
    async list() {
      const state = await readState(layout);
      return Object.values(state.plugins).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    },
    verify: () => verifyInstalled(ctx),
  };
}
