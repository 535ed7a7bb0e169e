/**
 * A real plugin host over temp folders for the runner-pool suites: plugins are written from raw JavaScript
 * around `async function run(input)` (the ABI spoken directly), loaded into real runner processes.
 */
import { mkdirSync, mkdtempSync, realpathSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isRokuError } from '@roku/schemas';
import type { PluginManifest } from '@roku/schemas';
import { rawPluginSource, tempDir } from '@roku/test-support';
import type { PluginUserGrants } from '../../../src/capabilities/index.js';
import { createRootLogger } from '../../../src/logging/logger.js';
import { createPluginHost } from '../../../src/plugins/plugin-host.js';
import type { PluginHost } from '../../../src/plugins/plugin-host.js';
import type { Sandbox } from '../../../src/sandbox/loaded-sandbox.js';
import type { SandboxCeilings } from '../../../src/sandbox/limits.js';
import { DEFAULT_CEILINGS } from '../../../src/sandbox/limits.js';
import type { SandboxMetrics } from '../../../src/sandbox/metrics.js';

const source = rawPluginSource;

export interface PoolPluginSpec {
  /** Body of `async function run(input)`; `sleep(ms)` and `cap(op, args)` are in scope. */
  readonly body: string;
  /** Top-level code run when the plugin loads. */
  readonly top?: string;
  readonly limits?: NonNullable<PluginManifest['limits']>;
  readonly permissions?: PluginManifest['permissions'];
  readonly grants?: PluginUserGrants;
}

export interface PoolHarness {
  readonly host: PluginHost;
  /** Loads plugin `id` (`@scope/name`) with a single tool `t`. */
  load(id: string, spec: PoolPluginSpec): Promise<Sandbox>;
  /** The pid of the runner a plugin id runs in, from the manager's stats. */
  runnerPid(pluginId: string): Promise<number | undefined>;
  close(): Promise<void>;
}

export function createPoolHarness(
  ceilings: Partial<SandboxCeilings> = {},
  metrics?: SandboxMetrics,
): PoolHarness {
  const root = realpathSync(tempDir('pool'));
  const home = join(root, 'home');
  const plugins = join(root, 'plugins');
  for (const d of [home, plugins]) mkdirSync(d, { recursive: true });
  const host = createPluginHost({
    logger: createRootLogger({ level: 'silent' }),
    home,
    workspace: home,
    env: {},
    ceilings: { ...DEFAULT_CEILINGS, ...ceilings },
    ...(metrics === undefined ? {} : { metrics }),
  });
  return {
    host,
    async load(id, spec) {
      const dir = mkdtempSync(join(plugins, 'p-'));
      const manifest = {
        manifestVersion: 1,
        id,
        version: '1.0.0',
        description: `Test plugin ${id}.`,
        license: 'MIT',
        engines: { roku: '^0.1.0' },
        runtime: { type: 'isolate', entry: 'plugin.js' },
        contributes: {
          tools: [{ name: 't', description: 'The tool.', inputSchema: { type: 'object' }, risk: ['read'] }],
        },
        limits: { cpuMsPerCall: 1000, wallMsPerCall: 5000, memoryMb: 32, ...spec.limits },
        ...(spec.permissions === undefined ? {} : { permissions: spec.permissions }),
      };
      writeFileSync(join(dir, 'roku.plugin.json'), JSON.stringify(manifest, null, 2));
      writeFileSync(join(dir, 'plugin.js'), source(spec.body, spec.top ?? ''));
      return host.loadFolder(dir, spec.grants === undefined ? {} : { grants: spec.grants });
    },
    async runnerPid(pluginId) {
      const stats = await host.sandboxes.stats();
      return stats.find((r) => r.plugins.some((p) => p.pluginKey.startsWith(`${pluginId}@`)))?.pid;
    },
    close: () => host.close(),
  };
}

/** The error a promise rejects with, as `{ code, message, details }`; fails when it resolves. */
export async function failureOf(
  promise: Promise<unknown>,
): Promise<{ code: string; message: string; details: Record<string, unknown> }> {
  try {
    const value = await promise;
    throw new Error(`expected a rejection, got ${JSON.stringify(value)}`);
  } catch (e) {
    if (!isRokuError(e)) throw e;
    return { code: e.code, message: e.message, details: e.details ?? {} };
  }
}
