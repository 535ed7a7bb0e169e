export { createInstaller } from './installer.js';
export type { Installer } from './installer.js';
export { createTrustStore } from './trust-store.js';
export type { TrustStore } from './trust-store.js';
export { permissionDiff } from './permissions.js';
export type { PermissionDiff } from './permissions.js';
export { localArchiveSource } from './local-source.js';
export type {
  ApplyOptions,
  ApplyStep,
  ArchiveSource,
  InstallAction,
  InstallChange,
  InstalledPlugin,
  InstalledState,
  InstallerOptions,
  InstallPlan,
  InstallRegistry,
  PlannedInstall,
  PlanOptions,
  VerifyProblem,
  VerifyReport,
} from './types.js';
export {
  readPluginChangeSignal,
  signalPluginChange,
  watchPluginChanges,
  PLUGIN_CHANGES_FILE,
} from './change-signal.js';
export type { PluginChangeSignal } from './change-signal.js';
