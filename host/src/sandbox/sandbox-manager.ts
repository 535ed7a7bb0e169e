import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { RokuError } from '@roku/schemas';
import type { PluginDescription, PluginManifest } from '@roku/schemas';
import type { Logger } from 'pino';
import { DEFAULT_MAX_QUEUED_CALLS } from './call-queue.js';
import { describeMismatch } from './description.js';
import { resolveEntry } from './entry-file.js';
import { DEFAULT_CEILINGS, effectiveLimits } from './limits.js';
import type { SandboxCeilings, UserSandboxGrants } from './limits.js';
import { LoadedSandbox } from './loaded-sandbox.js';
import type { CapabilityHandler, Sandbox } from './loaded-sandbox.js';
import type { SandboxMetrics } from './metrics.js';
import type { EngineKind } from './protocol.js';
import { QuarantineTracker } from './quarantine.js';
import type { QuarantineEntry } from './quarantine.js';
import { createRunnerPool } from './runner-pool.js';
import { parseSandboxJson } from './safe-json.js';
import { createSandboxHost } from './sandbox-host.js';
import { compileToolSchemas } from './tool-schemas.js';

export { MAX_ENTRY_BYTES } from './entry-file.js';

export interface SandboxManagerOptions {
  readonly logger: Logger;
  readonly ceilings?: SandboxCeilings;
  readonly metrics?: SandboxMetrics;
  /** Builds the capability handler (host-side permission checks) for a plugin being loaded. */
  readonly capabilities: (plugin: { manifest: PluginManifest; pluginKey: string }) => CapabilityHandler;
  readonly onQuarantine?: (entry: QuarantineEntry) => void;
  /** The user's grants for a plugin being loaded (`plugins.grants[id]`): limit overrides, network origins. */
  readonly userGrants?: (manifest: PluginManifest) => UserSandboxGrants | undefined;
  /** Where V8 code caches of plugin bundles persist across restarts (e.g. `$ROKU_HOME/cache/code`). */
  readonly codeCacheDir?: string;
}

export interface RunnerStats {
  readonly engine: EngineKind;
  /** The trust group sharing the process: `<engine>:<publisher scope or plugin id>`. */
  readonly group: string;
  readonly pid: number | undefined;
  readonly rssBytes: number;
  readonly plugins: readonly { readonly pluginKey: string; readonly heapBytes: number }[];
}

export interface SandboxManager {
  /**
   * Loads a plugin folder whose manifest is already validated into a sandbox, and checks that its code
   * implements exactly what the manifest declares.
   *
   * @throws ROKU_SANDBOX_LOAD_FAILED, ROKU_SANDBOX_DESCRIPTION_MISMATCH
   */
  load(plugin: { manifest: PluginManifest; dir: string }): Promise<Sandbox>;
  readonly quarantine: { list(): QuarantineEntry[]; release(pluginId: string): boolean };
  /**
   * Takes a plugin's grant back now (disabled, uninstalled): every call of every loaded version of it, queued
   * or running, ends with ROKU_SANDBOX_REVOKED, later calls are refused, and its sandboxes are unloaded.
   * Returns how many sandboxes were revoked.
   */
  revoke(pluginId: string, reason: string): Promise<number>;
  /** The runner processes now, by trust group (without asking them anything). */
  runners(): { readonly group: string; readonly engine: EngineKind; readonly pid: number | undefined }[];
  /** Samples each runner's resident memory and each plugin's heap. */
  stats(): Promise<RunnerStats[]>;
  /** Disposes every sandbox and stops the runners. */
  stop(): Promise<void>;
}

/**
 * Creates the sandbox manager: supervised runner processes per engine and trust group (`sandbox.runnerIsolation`:
 * each publisher apart, or each plugin apart), shared by that group's plugins.
 */
export function createSandboxManager(options: SandboxManagerOptions): SandboxManager {
  const ceilings = options.ceilings ?? DEFAULT_CEILINGS;
  const log = options.logger.child({ component: 'sandbox' });
  const metrics = options.metrics;
  const quarantine = new QuarantineTracker(ceilings.quarantine);
  const pool = createRunnerPool({
    ceilings,
    isolation: ceilings.runnerIsolation ?? 'publisher',
    log,
    metrics,
    codeCacheDir: options.codeCacheDir,
    maxRunnersPerGroup: ceilings.maxRunnersPerGroup,
  });
  const { sandboxes, runners } = pool;
  const host = createSandboxHost({ pool, quarantine, log, metrics, onQuarantine: options.onQuarantine });
  let sequence = 0;

  return {
    async load({ manifest, dir }) {
      const entryPath = resolveEntry(dir, manifest.runtime.entry);
      const entryHash = createHash('sha256').update(readFileSync(entryPath)).digest('hex');
      const pluginKey = `${manifest.id}@${manifest.version}#${++sequence}`;
      const handler = options.capabilities({ manifest, pluginKey });
      const grants = options.userGrants?.(manifest);
      // the sandbox's own limits are fixed at load, the user's overrides included
      const limits = effectiveLimits(manifest, ceilings, grants?.limits);
      const mayFetch = (manifest.permissions?.network?.length ?? 0) + (grants?.network?.length ?? 0) > 0;
      const sandbox = new LoadedSandbox(
        pluginKey,
        manifest,
        limits,
        entryPath,
        entryHash,
        handler,
        compileToolSchemas(manifest),
        host,
        ceilings.maxQueuedCalls ?? DEFAULT_MAX_QUEUED_CALLS,
        mayFetch,
      );
      sandboxes.set(pluginKey, sandbox);
      try {
        const description = parseSandboxJson(
          await pool.loadInto(sandbox),
          64 * 1024,
          `${manifest.id} description`,
        );
        const differences = describeMismatch(manifest, description);
        if (differences.length > 0) {
          throw new RokuError(
            'ROKU_SANDBOX_DESCRIPTION_MISMATCH',
            `${manifest.id}@${manifest.version}: code and manifest disagree: ${differences.join('; ')}`,
            { details: { pluginId: manifest.id, differences } },
          );
        }
        sandbox.description = description as unknown as PluginDescription;
        log.info({ pluginKey, engine: sandbox.engine }, 'plugin loaded');
        return sandbox;
      } catch (err) {
        await sandbox.dispose();
        throw err;
      }
    },
    quarantine: { list: () => quarantine.list(), release: (id) => quarantine.release(id) },
    async revoke(pluginId, reason) {
      const revoked = [...sandboxes.values()].filter((s) => s.manifest.id === pluginId);
      for (const sandbox of revoked) {
        sandbox.revoke(
          new RokuError(
            'ROKU_SANDBOX_REVOKED',
            `${pluginId}@${sandbox.manifest.version} can no longer run: ${reason}`,
            { details: { pluginId, version: sandbox.manifest.version, reason } },
          ),
        );
      }
      await Promise.all(revoked.map((s) => s.dispose()));
      if (revoked.length > 0) log.warn({ pluginId, reason, sandboxes: revoked.length }, 'plugin revoked');
      return revoked.length;
    },
    runners() {
      return [...runners.values()].map((r) => ({ group: r.group, engine: r.engine, pid: r.pid }));
    },
    async stats() {
      const out: RunnerStats[] = [];
      for (const runner of runners.values()) {
        const sample = await runner.stats();
        if (sample === undefined) continue;
        for (const p of sample.plugins) {
          const sandbox = sandboxes.get(p.pluginKey);
          if (sandbox !== undefined) metrics?.memoryBytes.set({ plugin: sandbox.manifest.id }, p.heapBytes);
        }
        out.push({
          engine: runner.engine,
          group: runner.group,
          pid: runner.pid,
          rssBytes: sample.rssBytes,
          plugins: sample.plugins,
        });
      }
      return out;
    },
    async stop() {
      await Promise.all([...sandboxes.values()].map((s) => s.handler.close()));
      sandboxes.clear();
      await Promise.all([...runners.values()].map((r) => r.stop()));
      runners.clear();
    },
  };
}
