import type { Logger } from 'pino';
import type {
  PackageFile,
  PlannedPackage,
  Permissions,
  RegistryConfig,
  RegistrySource,
  ResolutionPlan,
} from '@roku/registry';
import type { PermissionDiff } from './permissions.js';
import type { TrustStore } from './trust-store.js';

/** A registry source the installer can also download archives from. */
export interface ArchiveSource extends RegistrySource {
  /** The archive bytes of one published version. */
  fetchArchive(name: string, version: string): Promise<Uint8Array>;
}

/** A registry as the installer sees it: resolution config plus archive downloads. */
export interface InstallRegistry extends RegistryConfig {
  readonly source: ArchiveSource;
}

/** What a committed change did; passed to `onChange`. */
export interface InstallChange {
  readonly kind: 'apply' | 'uninstall' | 'enable' | 'disable';
  /** Plugin ids the change touched, sorted. */
  readonly ids: readonly string[];
}

/** Options of {@link createInstaller}. */
export interface InstallerOptions {
  /** ROKU_HOME: plugins, state, cache, lockfile and trust store live under it. */
  readonly home: string;
  /** The first is the default registry. */
  readonly registries: readonly InstallRegistry[];
  readonly trust: TrustStore;
  /** The host's plugin-API version, checked against each plugin's `engines.roku`. */
  readonly hostApiVersion: string;
  readonly logger: Logger;
  /** Called after each committed change (a running host reloads its plugin snapshot). Throws are logged. */
  readonly onChange?: (change: InstallChange) => void;
  /** How long to wait for another install holding `.install-lock.db`; 10000 ms by default. */
  readonly lockWaitMs?: number;
}

/** One installed plugin as `state/installed.json` records it. */
export interface InstalledPlugin {
  readonly id: string;
  readonly version: string;
  readonly registry: string;
  readonly integrity: string;
  /** Key id of the accepted signature; null when installed unsigned via `allowUnsigned`. */
  readonly signer: string | null;
  /**
   * Key id of the publisher key this plugin is bound to: the key that first signed it. Updates signed by
   * another key are refused unless this key signed them too or the user accepted the new key. Absent in
   * state written before binding, where `signer` stands for it.
   */
  readonly publisherKey?: string | null;
  readonly enabled: boolean;
  /** What the user granted (the permissions the installed version requests). */
  readonly granted: Permissions;
  readonly dependencies: Readonly<Record<string, string>>;
  /** Every file of the package with its sha256, as verified at install time. */
  readonly files: readonly PackageFile[];
  /** True when a user asked for it, false when only pulled in as a dependency. */
  readonly requested: boolean;
  readonly installedAt: string;
}

/** The content of `state/installed.json`. */
export interface InstalledState {
  readonly stateVersion: 1;
  readonly plugins: Readonly<Record<string, InstalledPlugin>>;
}

/** What applying a plan does to one plugin. */
export type InstallAction = 'install' | 'update' | 'downgrade' | 'reinstall' | 'unchanged';

/** One package of an install plan, with what consent needs. */
export interface PlannedInstall {
  readonly package: PlannedPackage;
  readonly action: InstallAction;
  /** The installed version replaced by this one. */
  readonly previousVersion?: string;
  /** What the planned version's manifest asks for. */
  readonly requested: Permissions;
  /** What is granted today (empty for a new install). */
  readonly granted: Permissions;
  /** What the user would grant on top of `granted`. */
  readonly diff: PermissionDiff;
}

/** The result of `plan`: what `apply` installs. */
export interface InstallPlan {
  readonly resolution: ResolutionPlan;
  /** Sorted by id. */
  readonly installs: readonly PlannedInstall[];
  readonly frozen: boolean;
}

export interface PlanOptions {
  /** Install exactly what roku.lock holds or fail with ROKU_INSTALL_FROZEN_MISMATCH. */
  readonly frozen?: boolean;
  /** Allow replacing an installed version by a lower one. */
  readonly allowDowngrade?: boolean;
}

/** Steps `apply` reports through `onProgress`. */
export type ApplyStep = 'fetched' | 'verified' | 'staged' | 'placed' | 'before-commit' | 'committed';

export interface ApplyOptions {
  /**
   * Asked once per plugin whose permission diff is not empty, before anything is downloaded; false
   * aborts the whole apply with ROKU_INSTALL_DENIED.
   */
  readonly grant: (plugin: PlannedInstall, diff: PermissionDiff) => boolean | Promise<boolean>;
  /** Plugin ids that may be installed unsigned or signed by a key outside the trust store. */
  readonly allowUnsigned?: readonly string[];
  /**
   * Plugin ids whose update may be signed by a trusted key other than the publisher key they are bound to;
   * the binding moves to the new key and a warning names both.
   */
  readonly acceptNewKey?: readonly string[];
  /**
   * Progress of each package. A throw aborts the apply and rolls back, exactly like a failure at that
   * point (tests use it to inject faults).
   */
  readonly onProgress?: (step: ApplyStep, id: string | undefined) => void | Promise<void>;
}

/** One problem `verify` found. */
export interface VerifyProblem {
  readonly id: string;
  readonly version: string;
  readonly kind: 'modified' | 'missing' | 'unexpected' | 'lock-mismatch' | 'not-installed';
  /** Package-relative path for file problems. */
  readonly path?: string;
}

export interface VerifyReport {
  readonly ok: boolean;
  readonly problems: readonly VerifyProblem[];
  /** What an interrupted install change had left and verify finished first (folders, roku.lock). */
  readonly repaired?: readonly string[];
}
