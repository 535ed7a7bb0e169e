import type { BrokerServices, PluginUserGrants } from '@roku/host';
import type { PluginManifest } from '@roku/schemas';
import { createTestHost } from '../test-host.js';
import type { TestHost, TestPlugin } from '../test-host.js';

/** How a check wants the plugin loaded: its own permissions, the user's grants, host services, env. */
export interface OpenOptions {
  readonly permissions?: PluginManifest['permissions'];
  readonly grants?: PluginUserGrants;
  readonly services?: BrokerServices;
  readonly env?: Readonly<Record<string, string>>;
}

/** What every suite works with: the plugin folder, its manifest and settings, and fresh real hosts. */
export interface SuiteEnv {
  readonly dir: string;
  readonly manifest: PluginManifest;
  /** The plugin's settings, passed as `config` with every call. */
  readonly settings: unknown;
  /** Loads the plugin into a new real host (its own ROKU_HOME, runner processes and storage). */
  open(options?: OpenOptions): Promise<TestPlugin>;
  /** The workspace folder of the last host opened. */
  workspace(): string;
}

/** A {@link SuiteEnv} whose hosts are all closed by `close()`. */
export function createSuiteEnv(
  dir: string,
  manifest: PluginManifest,
  settings: unknown,
): SuiteEnv & { close(): Promise<void> } {
  const hosts: TestHost[] = [];
  return {
    dir,
    manifest,
    settings,
    async open(options = {}) {
      const host = await createTestHost({
        ...(options.env === undefined ? {} : { env: options.env }),
        ...(options.services === undefined ? {} : { services: options.services }),
      });
      hosts.push(host);
      return host.load(dir, {
        ...(options.permissions === undefined ? {} : { permissions: options.permissions }),
        ...(options.grants === undefined ? {} : { grants: options.grants }),
      });
    },
    workspace() {
      const last = hosts.at(-1);
      if (last === undefined) throw new Error('no host was opened yet');
      return last.workspace;
    },
    async close() {
      await Promise.allSettled(hosts.map((h) => h.close()));
    },
  };
}
