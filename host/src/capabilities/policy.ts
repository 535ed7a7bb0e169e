import { RokuError } from '@roku/schemas';
import type { PluginManifest } from '@roku/schemas';
import type { PluginUserGrants } from './types.js';

export type FsRootName = 'workspace' | 'data' | 'cache' | 'temp' | 'skills' | 'plugin-skills';

export interface FsGrantPolicy {
  readonly root: FsRootName;
  /** Segments of the grant's path; empty for the whole root. */
  readonly segments: readonly string[];
  readonly access: 'read' | 'read-write';
}

/** The permissions and limits of a manifest with every default applied. */
export interface Policy {
  readonly pluginId: string;
  /** Network patterns of the manifest (the publisher's): public addresses only. */
  readonly network: readonly string[];
  /** Network patterns of the user's own config (`plugins.grants[id].network`): may name loopback and private. */
  readonly userNetwork: readonly string[];
  readonly filesystem: readonly FsGrantPolicy[];
  readonly env: ReadonlySet<string>;
  readonly secrets: ReadonlySet<string>;
  readonly llm: boolean;
  readonly memory: 'none' | 'read' | 'read-write';
  readonly tools: readonly string[];
  readonly subagents: boolean;
  readonly process: ProcessPolicy;
  /** The plugin's own SQL database, when granted. */
  readonly sql: { readonly maxBytes: number; readonly statementTimeoutMs: number } | undefined;
  readonly limits: CapabilityLimits;
}

/** What the plugin's child processes may do: the manifest's asks with the user's grants applied. */
export interface ProcessPolicy {
  /** Programs (bare names) of `capabilities.processes` and `plugins.grants[id].process.programs`. */
  readonly programs: ReadonlySet<string>;
  /** Text refused in command lines: the manifest's `processDeny` and the user's `process.deny`. */
  readonly deny: readonly string[];
  /** /bin/sh command lines: asked by `capabilities.processShell` and granted by `process.shell`. */
  readonly shell: boolean;
  /** Whether the user granted the processes the network (`process.network`). */
  readonly network: boolean;
}

/** The limits the capability broker enforces. */
export interface CapabilityLimits {
  readonly outputBytes: number;
  readonly httpRequestsPerCall: number;
  readonly httpResponseBytes: number;
  readonly storageBytes: number;
  readonly storageKeys: number;
  readonly filesystemBytes: number;
  readonly filesystemFiles: number;
  readonly logBytesPerMinute: number;
  readonly httpConcurrency: number;
  readonly llmCallsPerMinute: number;
  readonly llmTokensPerMinute: number;
}

/** Same defaults as schemas/json/plugin-manifest.schema.json, for manifests built without the validator. */
const DEFAULT_LIMITS: CapabilityLimits = {
  outputBytes: 1_048_576,
  httpRequestsPerCall: 16,
  httpResponseBytes: 16_777_216,
  storageBytes: 1_048_576,
  storageKeys: 10_000,
  filesystemBytes: 33_554_432,
  filesystemFiles: 4096,
  logBytesPerMinute: 1_048_576,
  httpConcurrency: 8,
  llmCallsPerMinute: 30,
  llmTokensPerMinute: 200_000,
};

/** Manifest value, then the user's override from `plugins.grants[id].limits`, then the default. */
function resolveLimits(
  manifest: PluginManifest['limits'],
  user: NonNullable<PluginUserGrants['limits']> | undefined,
): CapabilityLimits {
  const out: Record<string, number> = {};
  for (const key of Object.keys(DEFAULT_LIMITS) as (keyof CapabilityLimits)[]) {
    const override = key === 'outputBytes' ? undefined : user?.[key];
    out[key] = override ?? manifest?.[key] ?? DEFAULT_LIMITS[key];
  }
  return out as unknown as CapabilityLimits;
}

export function pathSegments(path: string): string[] {
  return path.split('/').filter((segment) => segment !== '' && segment !== '.');
}

/** The manifest's permissions and limits with the user's grants (`plugins.grants[id]`) applied. */
export function resolvePolicy(manifest: PluginManifest, grants?: PluginUserGrants): Policy {
  const permissions = manifest.permissions ?? {};
  const capabilities = permissions.capabilities ?? {};
  return {
    pluginId: manifest.id,
    network: permissions.network ?? [],
    userNetwork: grants?.network ?? [],
    filesystem: (permissions.filesystem ?? []).map((grant) => ({
      root: grant.root,
      segments: pathSegments(grant.path ?? ''),
      access: grant.access,
    })),
    env: new Set(permissions.env ?? []),
    secrets: new Set(permissions.secrets ?? []),
    llm: capabilities.llm ?? false,
    memory: capabilities.memory ?? 'none',
    tools: capabilities.tools ?? [],
    subagents: capabilities.subagents ?? false,
    process: {
      programs: new Set([...(capabilities.processes ?? []), ...(grants?.process?.programs ?? [])]),
      deny: [...(capabilities.processDeny ?? []), ...(grants?.process?.deny ?? [])],
      shell: capabilities.processShell === true && grants?.process?.shell === true,
      network: grants?.process?.network === true,
    },
    sql:
      capabilities.sql === undefined
        ? undefined
        : {
            maxBytes: capabilities.sql.maxBytes ?? 67_108_864,
            statementTimeoutMs: capabilities.sql.statementTimeoutMs ?? 5000,
          },
    limits: resolveLimits(manifest.limits, grants?.limits),
  };
}

export function denied(message: string, details?: Readonly<Record<string, unknown>>): RokuError {
  return new RokuError('ROKU_CAPABILITY_DENIED', message, details === undefined ? {} : { details });
}

export function quotaExceeded(message: string, details?: Readonly<Record<string, unknown>>): RokuError {
  return new RokuError('ROKU_CAPABILITY_QUOTA_EXCEEDED', message, details === undefined ? {} : { details });
}

export function rateLimited(message: string, details?: Readonly<Record<string, unknown>>): RokuError {
  return new RokuError('ROKU_CAPABILITY_RATE_LIMITED', message, details === undefined ? {} : { details });
}

export function overLimit(message: string, details?: Readonly<Record<string, unknown>>): RokuError {
  return new RokuError('ROKU_CAPABILITY_LIMIT', message, details === undefined ? {} : { details });
}

export function failed(message: string, cause?: unknown): RokuError {
  return new RokuError('ROKU_CAPABILITY_FAILED', message, cause === undefined ? {} : { cause });
}

export function unavailable(message: string): RokuError {
  return new RokuError('ROKU_CAPABILITY_UNAVAILABLE', message);
}

export function badRequest(message: string): RokuError {
  return new RokuError('ROKU_CAPABILITY_BAD_REQUEST', message);
}

/** `text` cut to at most `maxBytes` of UTF-8, never splitting a character. */
export function truncateUtf8(text: string, maxBytes: number): string {
  if (Buffer.byteLength(text, 'utf8') <= maxBytes) return text;
  const bytes = Buffer.from(text, 'utf8').subarray(0, maxBytes);
  // A cut inside a multi-byte sequence decodes to U+FFFD; drop it.
  return bytes.toString('utf8').replace(/\uFFFD$/, '');
}

/** Quotes untrusted text for an error message: bounded length, control characters escaped. */
export function quote(text: string, max = 200): string {
  const cut = text.length > max ? `${text.slice(0, max)}…` : text;
  return JSON.stringify(cut);
}
