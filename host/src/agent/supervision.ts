import type { Logger } from 'pino';
import { readPluginChangeSignal } from '../install/change-signal.js';
import type { QuarantineEntry } from '../sandbox/quarantine.js';
import type { SandboxManager } from '../sandbox/sandbox-manager.js';
import type { Store } from '../store/types.js';

/**
 * Quarantined plugins: the sandbox manager quarantines a plugin that keeps failing, the next snapshot leaves
 * it out (its slots fall back to the default), and the quarantine outlives restarts until the plugin is
 * enabled or installed again, or its dev folder changes.
 */
export class Quarantines {
  readonly #store: Store;
  readonly #logger: Logger;
  readonly #reasons = new Map<string, string>();

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
      else this.#reasons.set(row.id, row.quarantineReason ?? 'quarantined');
    }
  }

  /** Records a quarantine the sandbox manager decided; returns the reason given. */
  add(entry: QuarantineEntry, version: string | undefined): string {
    const reason = `${entry.reason.code}: ${entry.reason.message}`.slice(0, 300);
    this.#reasons.set(entry.pluginId, reason);
    try {
      this.#store.quarantinePlugin(entry.pluginId, version ?? 'unknown', reason);
    } catch (err) {
      this.#logger.warn({ err, pluginId: entry.pluginId }, 'quarantine not recorded');
    }
    return reason;
  }

  /** Lifts a quarantine (here, in the sandbox manager and in the store). */
  release(id: string, sandboxes: SandboxManager): void {
    this.#reasons.delete(id);
    sandboxes.quarantine.release(id);
    try {
      this.#store.releaseQuarantine(id);
    } catch (err) {
      this.#logger.warn({ err, pluginId: id }, 'quarantine release not recorded');
    }
  }
}
