import type { Logger } from 'pino';
import { readPluginChangeSignal } from '../install/change-signal.js';
import type { QuarantineEntry } from '../sandbox/quarantine.js';
import type { SandboxManager } from '../sandbox/sandbox-manager.js';
import type { Store } from '../store/types.js';
import { pluginContentHash } from './snapshot/content-hash.js';

/**
 * Quarantined plugins: the sandbox manager quarantines a plugin that keeps failing, the next snapshot leaves
 * it out (its slots fall back to the default), and the quarantine outlives restarts until the plugin is
 * enabled or installed again, or its dev folder changes.
 */
export class Quarantines {
  readonly #store: Store;
  readonly #logger: Logger;
  readonly #reasons = new Map<string, string>();
  /** Content hashes of quarantined plugins, when known: a rebuild lifts the quarantine. */
  readonly #hashes = new Map<string, string>();

  constructor(store: Store, logger: Logger) {
    this.#store = store;
    this.#logger = logger;
  }

  /** Plugin ids and why they are quarantined, for snapshot builds. */
  get reasons(): ReadonlyMap<string, string> {
    return this.#reasons;
  }

  /** Reads the recorded quarantines; those lifted by an enable or install since are released. */
  async restore(home: string): Promise<void> {
    const signal = await readPluginChangeSignal(home);
    for (const row of this.#store.listPluginStates()) {
      if (row.quarantinedAt === null) continue;
      const lifted =
        signal !== undefined &&
        (signal.kind === 'enable' || signal.kind === 'apply') &&
        signal.ids.includes(row.id) &&
        signal.at >= row.quarantinedAt;
      if (lifted) this.#store.releaseQuarantine(row.id);
      else {
        this.#reasons.set(row.id, row.quarantineReason ?? 'quarantined');
        if (row.quarantineHash !== null) this.#hashes.set(row.id, row.quarantineHash);
      }
    }
  }

  /**
   * Picks up quarantines other processes recorded since (they count failures in the same store), and lifts
   * those whose plugin was rebuilt: a candidate whose content differs from what was quarantined starts afresh.
   */
  refresh(candidates: readonly { id: string; dir: string }[], sandboxes: SandboxManager): void {
    try {
      for (const row of this.#store.listPluginStates()) {
        // lifted elsewhere (roku plugin enable)
        if (row.quarantinedAt === null) this.#lift(row.id, sandboxes);
        if (row.quarantinedAt === null || this.#reasons.has(row.id)) continue;
        this.#reasons.set(row.id, row.quarantineReason ?? 'quarantined');
        if (row.quarantineHash !== null) this.#hashes.set(row.id, row.quarantineHash);
      }
    } catch (err) {
      this.#logger.warn({ err }, 'quarantines not read');
    }
    for (const candidate of candidates) {
      const recorded = this.#hashes.get(candidate.id);
      if (recorded === undefined || !this.#reasons.has(candidate.id)) continue;
      const now = pluginContentHash(candidate.dir);
      if (now !== undefined && now !== recorded) {
        this.#logger.info({ pluginId: candidate.id }, 'quarantine lifted: plugin content changed');
        this.release(candidate.id, sandboxes);
      }
    }
  }

  /** Records a quarantine the sandbox manager decided (with the plugin's content); returns the reason given. */
  add(entry: QuarantineEntry, version: string | undefined, dir: string | undefined): string {
    const reason = `${entry.reason.code}: ${entry.reason.message}`.slice(0, 300);
    this.#reasons.set(entry.pluginId, reason);
    const hash = dir === undefined ? undefined : pluginContentHash(dir);
    if (hash !== undefined) this.#hashes.set(entry.pluginId, hash);
    try {
      this.#store.quarantinePlugin(entry.pluginId, version ?? 'unknown', reason, hash);
    } catch (err) {
      this.#logger.warn({ err, pluginId: entry.pluginId }, 'quarantine not recorded');
    }
    return reason;
  }

  /** Lifts a quarantine (here, in the sandbox manager and in the store). */
  release(id: string, sandboxes: SandboxManager): void {
    this.#lift(id, sandboxes);
    try {
      this.#store.releaseQuarantine(id);
    } catch (err) {
      this.#logger.warn({ err, pluginId: id }, 'quarantine release not recorded');
    }
  }

  /** Lifts a quarantine in this process only. */
  #lift(id: string, sandboxes: SandboxManager): void {
    this.#reasons.delete(id);
    this.#hashes.delete(id);
    sandboxes.quarantine.release(id);
  }
}
