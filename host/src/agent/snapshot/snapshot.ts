import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Logger } from 'pino';
import { RokuError, pluginSchemaValidator, isRokuError, nearestName } from '@roku/schemas';
import type { PluginManifest } from '@roku/schemas';
import type { PluginHost } from '../../plugins/plugin-host.js';
import type { Sandbox } from '../../sandbox/loaded-sandbox.js';
import type { PluginSummary } from '../runtime-types.js';
import { pluginSummary } from './info.js';
import { probeSlots } from './probe.js';
import type { PluginCandidate } from './sources.js';
import { BUNDLED_DEFAULTS } from './sources.js';

/** One plugin version loaded in its sandbox, shared by every snapshot that contains it. */
export interface SnapshotPlugin {
  readonly candidate: PluginCandidate;
  readonly manifest: PluginManifest;
  readonly sandbox: Sandbox;
  /** The plugin's settings from the host config, validated against its configSchema. */
  readonly settings: unknown;
  /** Identity of the loaded code, manifest, grants and settings: equal keys are reused across snapshots. */
  readonly key: string;
}

export interface SlotOwner {
  readonly plugin: SnapshotPlugin;
  /** The bundled default, used when the owner's call fails. Same as `plugin` when the default owns it. */
  readonly fallback: SnapshotPlugin | undefined;
  /** Memory slot only: the workspace's opaque id, sent with every memory op (workspace-scoped records). */
  readonly workspaceId?: string;
}

/** The immutable set of plugins a turn runs against. */
export interface PluginSnapshotBase {
  readonly id: number;
  readonly createdAt: number;
  readonly plugins: readonly SnapshotPlugin[];
  readonly memory: SlotOwner | undefined;
  readonly context: SlotOwner | undefined;
  readonly subagents: ReadonlyMap<string, SnapshotPlugin>;
  readonly problems: readonly PluginSummary[];
  readonly warnings: readonly string[];
}

interface CacheEntry {
  readonly plugin: SnapshotPlugin;
  refs: number;
}

function fileHash(path: string): string {
  try {
    return createHash('sha256').update(readFileSync(path)).digest('hex');
  } catch {
    return 'missing';
  }
}

function errorText(err: unknown): string {
  if (isRokuError(err)) return `${err.message} [${err.code}]`;
  return err instanceof Error ? err.message : String(err);
}

export interface BuildOptions {
  readonly candidates: readonly PluginCandidate[];
  readonly discoveryProblems: readonly { id: string; problem: string }[];
  /** Plugin settings per id (host config `plugins.settings`). */
  readonly settings: Readonly<Record<string, unknown>>;
  /**
   * The user's grants per id (host config `plugins.grants`): limit overrides and granted origins take effect
   * when a plugin loads, so a plugin whose grant changed is loaded again.
   */
  readonly grants: Readonly<Record<string, unknown>>;
  readonly memorySlot: string;
  readonly contextEngine: string;
  /** Plugin ids that are quarantined: left out, their slots fall back. */
  readonly quarantined: ReadonlyMap<string, string>;
  /**
   * Strict (reloads): any plugin that fails to load or pass its health check fails the whole build, so the
   * old snapshot stays. Lenient (startup): failed plugins are left out and listed.
   */
  readonly strict: boolean;
}

/**
 * Loads plugins into sandboxes for snapshots. A plugin version whose code, manifest, grants and settings are
 * unchanged keeps its sandbox across snapshots; sandboxes are reference-counted by the snapshots using them
 * and disposed when the last one is released.
 */
export class SnapshotLoader {
  readonly #host: PluginHost;
  readonly #logger: Logger;
  readonly #cache = new Map<string, CacheEntry>();
  #sequence = 0;

  constructor(host: PluginHost, logger: Logger) {
    this.#host = host;
    this.#logger = logger;
  }

  #key(candidate: PluginCandidate, settings: unknown, grant: unknown): string {
    const manifestText = (() => {
      try {
        return readFileSync(join(candidate.dir, 'roku.plugin.json'), 'utf8');
      } catch {
        return '';
      }
    })();
    let entry = '';
    try {
      entry = (JSON.parse(manifestText) as { runtime?: { entry?: string } }).runtime?.entry ?? '';
    } catch {
      // an unreadable manifest fails the load with a clear error below
    }
    return createHash('sha256')
      .update(
        JSON.stringify([
          candidate.id,
          candidate.version,
          candidate.dir,
          manifestText,
          entry === '' ? '' : fileHash(join(candidate.dir, entry)),
          candidate.permissions ?? null,
          settings ?? null,
          grant ?? null,
        ]),
      )
      .digest('hex');
  }

  #checkSettings(manifest: PluginManifest, settings: unknown): void {
    if (manifest.configSchema === undefined) {
      if (settings !== undefined && settings !== null) {
        throw new RokuError(
          'ROKU_CONFIG_INVALID',
          `plugins.settings["${manifest.id}"]: the plugin declares no configSchema, so it takes no settings`,
        );
      }
      return;
    }
    const validate = pluginSchemaValidator(manifest.configSchema);
    if (!validate(settings ?? {})) {
      const problems = (validate.errors ?? [])
        .map((e) => `${e.instancePath === '' ? '/' : e.instancePath} ${e.message ?? 'is invalid'}`)
        .join('; ');
      throw new RokuError('ROKU_CONFIG_INVALID', `plugins.settings["${manifest.id}"]: ${problems}`);
    }
  }

  async #load(
    candidate: PluginCandidate,
    settings: unknown,
    grant: unknown,
  ): Promise<{ plugin: SnapshotPlugin; fresh: boolean }> {
    const key = this.#key(candidate, settings, grant);
    const cached = this.#cache.get(key);
    if (cached !== undefined) {
      return { plugin: cached.plugin, fresh: false };
    }
    const sandbox = await this.#host.loadFolder(candidate.dir, {
      ...(candidate.permissions === undefined ? {} : { permissions: candidate.permissions }),
      ...(candidate.publisherKey === undefined ? {} : { publisherKey: candidate.publisherKey }),
    });
    try {
      this.#checkSettings(sandbox.manifest, settings);
    } catch (err) {
      await sandbox.dispose();
      throw err;
    }
    const plugin: SnapshotPlugin = {
      candidate,
      manifest: sandbox.manifest,
      sandbox,
      settings: settings ?? null,
      key,
    };
    this.#cache.set(key, { plugin, refs: 0 });
    return { plugin, fresh: true };
  }

  /**
   * Loads (or reuses) every candidate and chooses slot owners. Callers assemble the router and the catalog
   * from `plugins`. @throws ROKU_SNAPSHOT_FAILED in strict mode when any plugin fails.
   */
  async build(options: BuildOptions): Promise<PluginSnapshotBase> {
    const loaded: SnapshotPlugin[] = [];
    const fresh: SnapshotPlugin[] = [];
    const problems: PluginSummary[] = [];
    const warnings: string[] = [];
    const failures: string[] = [];
    for (const p of options.discoveryProblems) {
      warnings.push(p.problem);
    }
    for (const candidate of options.candidates) {
      const quarantine = options.quarantined.get(candidate.id);
      if (quarantine !== undefined) {
        problems.push(pluginSummary(candidate, `quarantined: ${quarantine}`));
        const rebuild = candidate.origin === 'dev' ? ' (or rebuild it)' : '';
        warnings.push(
          `${candidate.id} is quarantined (${quarantine}); after fixing it, lift it with roku plugin enable ${candidate.id}${rebuild}`,
        );
        continue;
      }
      try {
        const { plugin, fresh: isFresh } = await this.#load(
          candidate,
          options.settings[candidate.id],
          options.grants[candidate.id],
        );
        if (isFresh) {
          fresh.push(plugin);
          await probeSlots(plugin);
        }
        loaded.push(plugin);
      } catch (err) {
        const text = errorText(err);
        // Sandbox and manifest errors usually name the plugin already.
        failures.push(text.startsWith(candidate.id) ? text : `${candidate.id}@${candidate.version}: ${text}`);
        problems.push(pluginSummary(candidate, text));
        this.#logger.warn({ pluginId: candidate.id, err }, 'plugin left out of the snapshot');
      }
    }
    if (options.strict && failures.length > 0) {
      for (const plugin of fresh) await this.#drop(plugin);
      throw new RokuError(
        'ROKU_SNAPSHOT_FAILED',
        `the new plugin snapshot was not applied: ${failures.join('; ')}`,
        {
          details: { failures },
        },
      );
    }
    for (const f of failures) warnings.push(`left out: ${f}`);

    const memory = this.#slot('memory', options.memorySlot, loaded, warnings);
    const context = this.#slot('context', options.contextEngine, loaded, warnings);
    const subagents = new Map<string, SnapshotPlugin>();
    for (const plugin of loaded) {
      for (const r of plugin.manifest.contributes.subagentRuntimes ?? []) {
        if (subagents.has(r.name)) {
          warnings.push(
            `sub-agent runtime ${r.name} of ${plugin.manifest.id} is shadowed by an earlier plugin`,
          );
          continue;
        }
        subagents.set(r.name, plugin);
      }
    }
    for (const plugin of loaded) {
      const entry = this.#cache.get(plugin.key);
      if (entry !== undefined) entry.refs += 1;
    }
    return {
      id: ++this.#sequence,
      createdAt: Date.now(),
      plugins: loaded,
      memory,
      context,
      subagents,
      problems,
      warnings,
    };
  }

  #slot(
    kind: 'memory' | 'context',
    configured: string,
    loaded: readonly SnapshotPlugin[],
    warnings: string[],
  ): SlotOwner | undefined {
    const provides = (p: SnapshotPlugin): boolean =>
      kind === 'memory'
        ? p.manifest.contributes.memorySlot !== undefined
        : p.manifest.contributes.contextEngine !== undefined;
    const defaultId = kind === 'memory' ? BUNDLED_DEFAULTS.memory.id : BUNDLED_DEFAULTS.context.id;
    const fallback = loaded.find((p) => p.manifest.id === defaultId && provides(p));
    const label = kind === 'memory' ? 'memory slot' : 'context engine';
    if (configured !== '' && configured !== defaultId) {
      const owner = loaded.find((p) => p.manifest.id === configured);
      if (owner !== undefined && provides(owner)) return { plugin: owner, fallback, ...this.#scope(kind) };
      const setting = kind === 'memory' ? 'plugins.memorySlot' : 'plugins.contextEngine';
      // A misspelt id is the usual cause: name the closest plugin that does provide the slot.
      const near = nearestName(
        configured,
        loaded.filter(provides).map((p) => p.manifest.id),
      );
      const hint = near === undefined ? '' : ` (did you mean ${near}?)`;
      warnings.push(
        owner === undefined
          ? `${label}: ${configured} (${setting}) is not loaded${hint}; using the default ${defaultId}`
          : `${label}: ${configured} (${setting}) does not provide a ${label}${hint}; using the default ${defaultId}`,
      );
    }
    if (fallback === undefined) {
      warnings.push(`${label}: the default ${defaultId} is not available; running without one`);
      return undefined;
    }
    return { plugin: fallback, fallback, ...this.#scope(kind) };
  }

  /** The memory slot learns which workspace it serves as a hash of its path, never the path itself. */
  #scope(kind: 'memory' | 'context'): { workspaceId?: string } {
    if (kind !== 'memory') return {};
    return {
      workspaceId: createHash('sha256').update(resolve(this.#host.workspace)).digest('hex').slice(0, 16),
    };
  }

  async #drop(plugin: SnapshotPlugin): Promise<void> {
    const entry = this.#cache.get(plugin.key);
    if (entry !== undefined && entry.refs > 0) return;
    this.#cache.delete(plugin.key);
    await plugin.sandbox.dispose().catch(() => undefined);
  }

  /**
   * Ends the plugins a new snapshot no longer has (disabled, uninstalled, quarantined): their calls in flight
   * fail with ROKU_SANDBOX_REVOKED now instead of running on until the turns holding the old snapshot end.
   */
  async revokeGone(previous: PluginSnapshotBase, next: PluginSnapshotBase, reason: string): Promise<void> {
    const kept = new Set(next.plugins.map((p) => p.manifest.id));
    for (const plugin of previous.plugins) {
      if (kept.has(plugin.manifest.id)) continue;
      this.#cache.delete(plugin.key);
      await this.#host.sandboxes.revoke(
        plugin.manifest.id,
        `it was removed from the plugins in use (${reason})`,
      );
    }
  }

  /** Releases a retired snapshot; sandboxes no other snapshot uses are disposed. */
  async release(snapshot: PluginSnapshotBase): Promise<void> {
    for (const plugin of snapshot.plugins) {
      const entry = this.#cache.get(plugin.key);
      if (entry === undefined) continue;
      entry.refs -= 1;
      if (entry.refs <= 0) await this.#drop(plugin);
    }
  }

  /** Plugins loaded right now (for tests and /plugins). */
  get loadedCount(): number {
    return this.#cache.size;
  }
}
