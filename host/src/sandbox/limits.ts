import type { HostConfig, PluginManifest } from '@roku/schemas';
import type { RunnerLimits } from './protocol.js';

/** A plugin's heap limit when its manifest sets none (the manifest schema's default). */
export const DEFAULT_PLUGIN_MEMORY_MB = 64;
/** CPU a plugin may use in any 60 s window when neither its manifest nor the user's config says. */
export const DEFAULT_CPU_MS_PER_MINUTE = 30_000;

/** Runner limits with the CPU budget per window always set (see runner/isolate-cpu-window.ts). */
export type SandboxLimits = RunnerLimits & { readonly cpuMsPerMinute: number };

/** The user's limit overrides from `plugins.grants["<id>"].limits` that apply to the sandbox itself. */
export interface UserSandboxLimits {
  readonly cpuMsPerMinute?: number;
  readonly memoryMb?: number;
  readonly concurrency?: number;
}

/** What of the user's `plugins.grants["<id>"]` the sandbox itself uses. */
export interface UserSandboxGrants {
  readonly limits?: UserSandboxLimits;
  /** Origins granted on top of the manifest's: only whether there are any (the plugin may fetch). */
  readonly network?: readonly string[];
}

/** Host ceilings from the `sandbox` section of the host configuration. */
export interface SandboxCeilings {
  readonly runnerMemoryMb: number;
  readonly maxPluginMemoryMb: number;
  readonly maxCpuMsPerCall: number;
  readonly maxWallMsPerCall: number;
  readonly quarantine: { readonly failures: number; readonly windowMs: number };
  /** Which plugins share a runner process: one publisher's (default) or none. */
  readonly runnerIsolation?: 'publisher' | 'plugin';
  /** Calls one plugin version may have waiting for a concurrency slot. */
  readonly maxQueuedCalls?: number;
  /** Runner processes one trust group may spread its calls over when one is busy (default: one per core, ≤ 4). */
  readonly maxRunnersPerGroup?: number;
}

export const DEFAULT_CEILINGS: SandboxCeilings = {
  runnerMemoryMb: 1024,
  maxPluginMemoryMb: 256,
  maxCpuMsPerCall: 10_000,
  maxWallMsPerCall: 300_000,
  quarantine: { failures: 3, windowMs: 600_000 },
};

/**
 * A plugin's effective limits: what its manifest asks, never above the host's ceilings; the user's own
 * overrides (`plugins.grants["<id>"].limits`) win over the manifest where they apply.
 */
export function effectiveLimits(
  manifest: PluginManifest,
  ceilings: SandboxCeilings,
  user: UserSandboxLimits = {},
): SandboxLimits {
  const asked = manifest.limits ?? {};
  return {
    cpuMsPerMinute: user.cpuMsPerMinute ?? asked.cpuMsPerMinute ?? DEFAULT_CPU_MS_PER_MINUTE,
    memoryMb: Math.min(
      user.memoryMb ?? asked.memoryMb ?? DEFAULT_PLUGIN_MEMORY_MB,
      ceilings.maxPluginMemoryMb,
    ),
    cpuMsPerCall: Math.min(asked.cpuMsPerCall ?? 1000, ceilings.maxCpuMsPerCall),
    wallMsPerCall: Math.min(asked.wallMsPerCall ?? 30_000, ceilings.maxWallMsPerCall),
    outputBytes: asked.outputBytes ?? 1024 * 1024,
    concurrency: user.concurrency ?? asked.concurrency ?? 4,
  };
}

/** Ceilings from the host configuration's `sandbox` section, defaults filled in. */
export function ceilingsFromConfig(sandbox: HostConfig['sandbox']): SandboxCeilings {
  return {
    runnerMemoryMb: sandbox?.runnerMemoryMb ?? DEFAULT_CEILINGS.runnerMemoryMb,
    maxPluginMemoryMb: sandbox?.maxPluginMemoryMb ?? DEFAULT_CEILINGS.maxPluginMemoryMb,
    maxCpuMsPerCall: sandbox?.maxCpuMsPerCall ?? DEFAULT_CEILINGS.maxCpuMsPerCall,
    maxWallMsPerCall: sandbox?.maxWallMsPerCall ?? DEFAULT_CEILINGS.maxWallMsPerCall,
    quarantine: {
      failures: sandbox?.quarantine?.failures ?? DEFAULT_CEILINGS.quarantine.failures,
      windowMs: sandbox?.quarantine?.windowMs ?? DEFAULT_CEILINGS.quarantine.windowMs,
    },
    ...(sandbox?.runnerIsolation === undefined ? {} : { runnerIsolation: sandbox.runnerIsolation }),
    ...(sandbox?.maxQueuedCalls === undefined ? {} : { maxQueuedCalls: sandbox.maxQueuedCalls }),
    // 0 (the default) leaves the choice to the runner pool: one per core, at most 4
    ...(sandbox?.maxRunnersPerGroup === undefined || sandbox.maxRunnersPerGroup === 0
      ? {}
      : { maxRunnersPerGroup: sandbox.maxRunnersPerGroup }),
  };
}
