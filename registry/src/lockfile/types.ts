import type { Permissions } from '../index-doc/types.js';

/** One plugin in roku.lock. */
export interface LockedPlugin {
  readonly version: string;
  /** Name of the registry it came from. */
  readonly registry: string;
  readonly integrity: string;
  /** Key id whose signature was accepted; null for an unsigned plugin. */
  readonly signer: string | null;
  /**
   * Key id of the publisher key the plugin is bound to (the key that first signed it); absent in locks
   * written before binding, where `signer` stands for it.
   */
  readonly publisherKey?: string | null;
  /** What the user granted. */
  readonly permissions: Permissions;
  /** Dependency ranges, as the plugin's manifest declares them. */
  readonly dependencies: Readonly<Record<string, string>>;
}

/** roku.lock (see lockfile.schema.json). */
export interface Lockfile {
  readonly lockfileVersion: 1;
  readonly plugins: Readonly<Record<string, LockedPlugin>>;
}
