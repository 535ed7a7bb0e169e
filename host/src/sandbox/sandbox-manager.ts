import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { RokuError } from '@roku/schemas';
import type { PluginDescription, PluginManifest } from '@roku/schemas';
import type { Logger } from 'pino';
import { describeMismatch } from './description.js';
import { resolveEntry } from './entry-file.js';
import { DEFAULT_CEILINGS, effectiveLimits } from './limits.js';
import type { SandboxCeilings } from './limits.js';
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
}

export interface RunnerStats {
  readonly engine: EngineKind;
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
  /** Samples each runner's resident memory and each plugin's heap. */
  stats(): Promise<RunnerStats[]>;
  /** Disposes every sandbox and stops the runners. */
  stop(): Promise<void>;
}

/** Creates the sandbox manager: one supervised runner process per engine, shared by that engine's plugins. */
export function createSandboxManager(options: SandboxManagerOptions): SandboxManager {
  const ceilings = options.ceilings ?? DEFAULT_CEILINGS;
  const log = options.logger.child({ component: 'sandbox' });
  const metrics = options.metrics;
  const quarantine = new QuarantineTracker(ceilings.quarantine);
  const pool = createRunnerPool({ ceilings, log, metrics });
  const { sandboxes, runners } = pool;
  const host = createSandboxHost({ pool, quarantine, log, metrics, onQuarantine: options.onQuarantine });
  let sequence = 0;

  return {
    async load({ manifest, dir }) {
      const entryPath = resolveEntry(dir, manifest.runtime.entry);
      const entryHash = createHash('sha256').update(readFileSync(entryPath)).digest('hex');
      const pluginKey = `${manifest.id}@${manifest.version}#${++sequence}`;
      const handler = options.capabilities({ manifest, pluginKey });
      const sandbox = new LoadedSandbox(
        pluginKey,
        manifest,
        effectiveLimits(manifest, ceilings),
        entryPath,
        entryHash,
        handler,
        compileToolSchemas(manifest),
        host,
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
