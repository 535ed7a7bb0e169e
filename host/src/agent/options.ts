import type { Logger } from 'pino';
import type { ResolvedHostConfig } from '@roku/schemas';
import type { SandboxMetrics } from '../sandbox/metrics.js';
import type { LookupFunction } from '../capabilities/index.js';

export interface AgentRuntimeOptions {
  /** The resolved host configuration (defaults applied). */
  readonly config: ResolvedHostConfig;
  /** The config file the configuration came from; watched for changes by `watch()`. */
  readonly configFile?: string;
  /** Re-reads the configuration when the file changes (a config change triggers a reload). */
  readonly reloadConfig?: () => ResolvedHostConfig;
  /** ROKU_HOME, absolute. */
  readonly home: string;
  /** The user's working directory: the `workspace` filesystem root of plugins. */
  readonly workspace: string;
  readonly logger: Logger;
  /** Where granted env variables and secrets are read from (default process.env). */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /**
   * Folder holding the first-party default plugins (`memory-session`, `context-default`), each built.
   * Default: the `plugins/` folder of the Roku checkout the host runs from.
   */
  readonly bundledPluginsDir?: string;
  readonly metrics?: SandboxMetrics;
  readonly lookup?: LookupFunction;
  /** Process id recorded as the owner of runs (tests simulate other processes). */
  readonly pid?: number;
}
