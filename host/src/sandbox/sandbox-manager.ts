import { createHash } from 'node:crypto';
import { readFileSync, realpathSync, statSync } from 'node:fs';
import { join, sep } from 'node:path';
import { RokuError, dynamicErrorCode } from '@roku/schemas';
import type { PluginManifest } from '@roku/schemas';
import type { PluginDescription } from '@roku/schemas';
import type { Logger } from 'pino';
import { describeMismatch } from './description.js';
import { DEFAULT_CEILINGS, effectiveLimits } from './limits.js';
import type { SandboxCeilings } from './limits.js';
import { LoadedSandbox } from './loaded-sandbox.js';
import type { CallScope, CapabilityHandler, Sandbox, SandboxHost } from './loaded-sandbox.js';
import type { SandboxMetrics } from './metrics.js';
import type { EngineKind } from './protocol.js';
import { QuarantineTracker } from './quarantine.js';
import type { QuarantineEntry } from './quarantine.js';
import { RunnerProcess } from './runner-process.js';
import { parseSandboxJson } from './safe-json.js';
import { compileToolSchemas } from './tool-schemas.js';

/** Largest entry file (bundle or wasm module) the host will load. */
export const MAX_ENTRY_BYTES = 64 * 1024 * 1024;

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

function resolveEntry(dir: string, entry: string): string {
  const root = realpathSync(dir);
  let path: string;
  try {
    path = realpathSync(join(root, entry));
  } catch {
    throw new RokuError(
      'ROKU_SANDBOX_LOAD_FAILED',
      `${join(dir, entry)}: runtime entry not found (build the plugin first)`,
    );
  }
  if (!path.startsWith(root + sep)) {
    throw new RokuError(
      'ROKU_SANDBOX_LOAD_FAILED',
      `${join(dir, entry)}: runtime entry resolves outside the plugin folder`,
    );
  }
  const stat = statSync(path);
  if (!stat.isFile())
    throw new RokuError('ROKU_SANDBOX_LOAD_FAILED', `${path}: runtime entry is not a regular file`);
  if (stat.size > MAX_ENTRY_BYTES) {
    throw new RokuError(
      'ROKU_SANDBOX_LOAD_FAILED',
      `${path}: ${stat.size} bytes exceeds the ${MAX_ENTRY_BYTES}-byte cap`,
    );
  }
  return path;
}

/** Creates the sandbox manager: one supervised runner process per engine, shared by that engine's plugins. */
export function createSandboxManager(options: SandboxManagerOptions): SandboxManager {
  const ceilings = options.ceilings ?? DEFAULT_CEILINGS;
  const log = options.logger.child({ component: 'sandbox' });
  const metrics = options.metrics;
  const quarantine = new QuarantineTracker(ceilings.quarantine);
  const codeCaches = new Map<string, string>();
  const sandboxes = new Map<string, LoadedSandbox>();
  const scopes = new Map<number, { scope: CallScope; handler: CapabilityHandler }>();
  const runners = new Map<EngineKind, RunnerProcess>();
  let sequence = 0;

  const runnerFor = (engine: EngineKind): RunnerProcess => {
    const existing = runners.get(engine);
    if (existing !== undefined) return existing;
    const runner = new RunnerProcess({
      engine,
      memoryMb: ceilings.runnerMemoryMb,
      logger: log,
      onCapability: async (message) => {
        const active = message.callId === undefined ? undefined : scopes.get(message.callId);
        const handler = active?.handler ?? sandboxes.get(message.pluginKey)?.handler;
        if (handler === undefined) {
          return JSON.stringify({
            ok: false,
            error: { code: 'ROKU_SANDBOX_UNLOADED', message: 'plugin is not loaded' },
          });
        }
        return handler.handle(message.request, active?.scope ?? { callId: `load:${message.pluginKey}` });
      },
      onDisposed: (message) => {
        const sandbox = sandboxes.get(message.pluginKey);
        if (sandbox !== undefined) sandbox.disposed = true;
        log.warn({ pluginKey: message.pluginKey, reason: message.reason }, 'plugin sandbox disposed');
      },
      onExit: (exit) => {
        if (exit.reason === 'stopped') return;
        if (exit.reason === 'recycled') {
          metrics?.runnerRestarts.inc({ engine: exit.engine, reason: exit.reason });
          return;
        }
        metrics?.runnerRestarts.inc({ engine: exit.engine, reason: exit.reason });
        log.error(
          { engine: exit.engine, reason: exit.reason, signal: exit.signal, suspects: exit.inFlight },
          'runner died',
        );
      },
    });
    runners.set(engine, runner);
    return runner;
  };

  /** Loads the plugin into its runner; returns the description JSON the plugin gave. */
  const loadInto = async (sandbox: LoadedSandbox): Promise<string | undefined> => {
    const runner = runnerFor(sandbox.engine);
    const started = performance.now();
    const codeCache = codeCaches.get(sandbox.entryHash);
    const reply = await runner.load({
      t: 'load',
      pluginKey: sandbox.pluginKey,
      engine: sandbox.engine,
      entryPath: sandbox.entryPath,
      limits: sandbox.limits,
      webAssembly: sandbox.manifest.runtime.webAssembly === true,
      ...(codeCache === undefined ? {} : { codeCache }),
    });
    if (!reply.ok) {
      const id = `${sandbox.manifest.id}@${sandbox.manifest.version}`;
      throw new RokuError('ROKU_SANDBOX_LOAD_FAILED', `${id}: ${reply.error?.message ?? 'load failed'}`, {
        details: { pluginId: sandbox.manifest.id, cause: reply.error ?? null },
      });
    }
    // Capability requests made while the plugin's top-level code ran count as one call of their own.
    sandbox.handler.endCall(`load:${sandbox.pluginKey}`);
    if (reply.codeCache !== undefined) codeCaches.set(sandbox.entryHash, reply.codeCache);
    metrics?.loadMs.observe({ engine: sandbox.engine }, (performance.now() - started) / 1000);
    sandbox.generation = runner.generation;
    sandbox.disposed = false;
    return reply.description;
  };

  const host: SandboxHost = {
    async ensureLoaded(sandbox) {
      const runner = runnerFor(sandbox.engine);
      await runner.recycleIfBloated();
      if (sandbox.disposed || sandbox.generation !== runner.generation || runner.pid === undefined) {
        await loadInto(sandbox);
      }
    },
    async send(sandbox, request, scope) {
      const runner = runnerFor(sandbox.engine);
      const id = runner.allocateCallId();
      scopes.set(id, { scope, handler: sandbox.handler });
      try {
        return await runner.call(id, sandbox.pluginKey, request, sandbox.limits.wallMsPerCall);
      } finally {
        scopes.delete(id);
      }
    },
    failed(sandbox, op, error) {
      const { id, version } = sandbox.manifest;
      metrics?.calls.inc({ plugin: id, op: op.split(':')[0] ?? op });
      metrics?.errors.inc({ plugin: id, code: error.code });
      // When the shared runner dies with several plugins' calls in flight, none of them is known to be the
      // cause: only a sole suspect gets a quarantine strike.
      const bystander =
        error.code === 'ROKU_SANDBOX_CRASHED' && Number(error.details?.pluginsInFlight ?? 1) > 1;
      const entry = bystander ? undefined : quarantine.record(id, error);
      if (entry !== undefined) {
        metrics?.quarantines.inc({ plugin: id });
        log.error({ pluginId: id, reason: entry.reason }, 'plugin quarantined');
        options.onQuarantine?.(entry);
      }
      return new RokuError(dynamicErrorCode(error.code), `${id}@${version} ${op}: ${error.message}`, {
        details: { ...error.details, pluginId: id, version, op },
        cause: error,
      });
    },
    checkQuarantine(manifest) {
      const entry = quarantine.get(manifest.id);
      if (entry === undefined) return;
      throw new RokuError(
        'ROKU_SANDBOX_QUARANTINED',
        `${manifest.id} is quarantined after repeated failures (last: ${entry.reason.code}); re-enable it to use it again`,
        { details: { pluginId: manifest.id, since: entry.since, reason: entry.reason } },
      );
    },
    succeeded(sandbox, op, millis, cpuMs) {
      const plugin = sandbox.manifest.id;
      metrics?.calls.inc({ plugin, op: op.split(':')[0] ?? op });
      metrics?.latency.observe({ plugin }, millis / 1000);
      if (cpuMs !== undefined) metrics?.cpuMs.inc({ plugin }, cpuMs);
    },
    async unload(sandbox) {
      sandboxes.delete(sandbox.pluginKey);
      runners.get(sandbox.engine)?.unload(sandbox.pluginKey);
      await sandbox.handler.close();
    },
  };

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
          await loadInto(sandbox),
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
