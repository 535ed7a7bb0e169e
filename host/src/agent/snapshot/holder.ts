import { RokuError, isRokuError } from '@roku/schemas';
import type { ResolvedHostConfig } from '@roku/schemas';
import type { AgentSnapshot } from '../assembled.js';
import type { ReloadResult } from '../runtime-types.js';
import { agentSettings } from '../settings.js';
import type { AgentSettings } from '../settings.js';
import { buildSnapshot } from './build.js';
import type { SnapshotSources } from './build.js';

/** How long a burst of change signals is collected before one reload runs. */
const COALESCE_MS = 150;

/** A turn's hold on the snapshot it started with. */
export interface Lease {
  readonly snapshot: AgentSnapshot;
  /** Ends the hold (idempotent); a retired snapshot's sandboxes go when its last lease ends. */
  readonly release: () => void;
}

interface Held {
  readonly snapshot: AgentSnapshot;
  leases: number;
  retired: boolean;
}

/**
 * Holds the current snapshot and swaps it: turns lease the snapshot they start with, a reload builds the next
 * one beside it and swaps the pointer atomically (a failed build keeps the current one), and a retired
 * snapshot is released when its last lease ends. Reloads run one at a time; `schedule` coalesces bursts.
 */
export class SnapshotHolder {
  readonly #sources: SnapshotSources;
  readonly #reloadConfig: (() => ResolvedHostConfig) | undefined;
  #config: ResolvedHostConfig;
  #settings: AgentSettings;
  #current: Held;
  #chain: Promise<unknown> = Promise.resolve();
  #timer: NodeJS.Timeout | undefined;
  readonly #reasons = new Set<string>();
  #listener: ((result: ReloadResult) => void) | undefined;

  private constructor(
    sources: SnapshotSources,
    config: ResolvedHostConfig,
    reloadConfig: (() => ResolvedHostConfig) | undefined,
    first: AgentSnapshot,
  ) {
    this.#sources = sources;
    this.#config = config;
    this.#settings = agentSettings(config);
    this.#reloadConfig = reloadConfig;
    this.#current = { snapshot: first, leases: 0, retired: false };
  }

  /**
   * Builds the first snapshot, leniently: a broken plugin is left out and listed, so the agent always starts.
   * @throws ROKU_CONFIG_INVALID
   */
  static async open(
    sources: SnapshotSources,
    config: ResolvedHostConfig,
    reloadConfig?: () => ResolvedHostConfig,
  ): Promise<SnapshotHolder> {
    const first = await buildSnapshot(sources, config, agentSettings(config), false);
    sources.logger.info({ snapshot: first.id, plugins: first.plugins.length }, 'plugin snapshot ready');
    return new SnapshotHolder(sources, config, reloadConfig, first);
  }

  /** The configuration of the current snapshot (re-read on every reload). */
  get config(): ResolvedHostConfig {
    return this.#config;
  }

  get settings(): AgentSettings {
    return this.#settings;
  }

  /** The snapshot new turns start on. */
  current(): AgentSnapshot {
    return this.#current.snapshot;
  }

  /** Leases the current snapshot: its sandboxes stay alive until the lease ends, even after a swap. */
  acquire(): Lease {
    const held = this.#current;
    held.leases += 1;
    let released = false;
    return {
      snapshot: held.snapshot,
      release: () => {
        if (released) return;
        released = true;
        held.leases -= 1;
        // A turn that started on a retired snapshot finished: its sandboxes can go now.
        if (held.retired && held.leases === 0) {
          this.#sources.loader.release(held.snapshot).catch((err: unknown) => {
            this.#sources.logger.warn({ err }, 'disposing a retired snapshot failed');
          });
        }
      },
    };
  }

  /** Runs `fn` on a leased snapshot and ends the lease after. */
  async use<T>(fn: (snapshot: AgentSnapshot) => Promise<T>): Promise<T> {
    const { snapshot, release } = this.acquire();
    try {
      return await fn(snapshot);
    } finally {
      release();
    }
  }

  /** Rebuilds the snapshot after the ones already queued; on failure keeps the current one and says why. */
  reload(reason: string): Promise<ReloadResult> {
    const next = this.#chain.then(() => this.#swap(reason));
    this.#chain = next.catch(() => undefined);
    return next;
  }

  async #swap(reason: string): Promise<ReloadResult> {
    const started = performance.now();
    const { logger, loader } = this.#sources;
    // A failed reload changes nothing: the config (its agent settings, approvals and grants) goes back with it.
    const previous = { config: this.#config, settings: this.#settings };
    try {
      if (this.#reloadConfig !== undefined) {
        const fresh = this.#reloadConfig();
        const freshSettings = agentSettings(fresh);
        this.#config = fresh;
        this.#settings = freshSettings;
      }
      const snapshot = await buildSnapshot(this.#sources, this.#config, this.#settings, true);
      const old = this.#current;
      this.#current = { snapshot, leases: 0, retired: false };
      old.retired = true;
      await loader.revokeGone(old.snapshot, snapshot, reason);
      if (old.leases === 0) await loader.release(old.snapshot);
      const elapsedMs = performance.now() - started;
      logger.info({ snapshot: snapshot.id, reason, elapsedMs }, 'plugin snapshot swapped');
      return { ok: true, snapshot: snapshot.info, reason, elapsedMs };
    } catch (err) {
      this.#config = previous.config;
      this.#settings = previous.settings;
      const error = isRokuError(err) ? err : new RokuError('ROKU_SNAPSHOT_FAILED', String(err));
      logger.warn({ err: error, reason }, 'reload failed; the previous snapshot stays in use');
      return {
        ok: false,
        snapshot: this.#current.snapshot.info,
        reason,
        error: { code: error.code, message: error.message },
        elapsedMs: performance.now() - started,
      };
    }
  }

  /** Who hears about the reloads that `schedule` runs. */
  onReload(listener: ((result: ReloadResult) => void) | undefined): void {
    this.#listener = listener;
  }

  /** Reloads soon: a burst (a build writes many files; an install rewrites several) becomes one reload. */
  schedule(reason: string): void {
    this.#reasons.add(reason);
    if (this.#timer !== undefined) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      const why = [...this.#reasons].join(', ');
      this.#reasons.clear();
      this.reload(why)
        .then((result) => this.#listener?.(result))
        .catch(() => undefined);
    }, COALESCE_MS);
    this.#timer.unref();
  }

  /** Cancels a scheduled reload and waits for a running one; the snapshot itself goes with the plugin host. */
  async close(): Promise<void> {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    await this.#chain.catch(() => undefined);
  }
}
