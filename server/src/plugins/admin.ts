import type { Installer, PermissionDiff } from '@roku/host';

/**
 * What the plugin admin routes need from the CLI, which owns plugin administration: the same installer,
 * listings and wording as `roku plugin …`, so HTTP and CLI answer alike. `roku serve` passes its own.
 */
export interface PluginAdmin {
  /** The installer `roku plugin install` uses (registries, trust store, lock). */
  installer(): Installer;
  /** `roku plugin list --json`. */
  list(): Promise<unknown>;
  /** `roku plugin info <spec> --json`. */
  info(spec: string): Promise<unknown>;
  /** `roku plugin search <text> --json`. */
  search(text: string): Promise<unknown>;
  /** The plain-words permission lines the CLI shows for a diff; the grants a request names are these lines. */
  permissionLines(diff: PermissionDiff): string[];
}
