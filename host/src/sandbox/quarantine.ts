/** Sandbox failures that count toward quarantine: the plugin took its sandbox down. */
export const QUARANTINE_CODES: ReadonlySet<string> = new Set([
  'ROKU_SANDBOX_TIMEOUT',
  'ROKU_SANDBOX_OOM',
  'ROKU_SANDBOX_CRASHED',
]);

export interface QuarantineEntry {
  readonly pluginId: string;
  readonly since: number;
  /** The failure that tipped it over. */
  readonly reason: { readonly code: string; readonly message: string };
}

/**
 * Counts sandbox failures per plugin in a sliding window; at `failures` within `windowMs` the plugin is
 * quarantined until `release` (a user re-enabling it). `failures: 0` disables quarantine.
 */
export class QuarantineTracker {
  readonly #failures: number;
  readonly #windowMs: number;
  readonly #now: () => number;
  readonly #recent = new Map<string, number[]>();
  readonly #quarantined = new Map<string, QuarantineEntry>();

  constructor(options: { failures: number; windowMs: number; now?: () => number }) {
    this.#failures = options.failures;
    this.#windowMs = options.windowMs;
    this.#now = options.now ?? Date.now;
  }

  /** Records a failure; returns the entry when this failure quarantined the plugin. */
  record(pluginId: string, reason: { code: string; message: string }): QuarantineEntry | undefined {
    if (this.#failures === 0 || !QUARANTINE_CODES.has(reason.code) || this.#quarantined.has(pluginId))
      return undefined;
    const now = this.#now();
    const times = (this.#recent.get(pluginId) ?? []).filter((t) => now - t < this.#windowMs);
    times.push(now);
    this.#recent.set(pluginId, times);
    if (times.length < this.#failures) return undefined;
    const entry = { pluginId, since: now, reason: { code: reason.code, message: reason.message } };
    this.#quarantined.set(pluginId, entry);
    this.#recent.delete(pluginId);
    return entry;
  }

  get(pluginId: string): QuarantineEntry | undefined {
    return this.#quarantined.get(pluginId);
  }

  list(): QuarantineEntry[] {
    return [...this.#quarantined.values()];
  }

  release(pluginId: string): boolean {
    this.#recent.delete(pluginId);
    return this.#quarantined.delete(pluginId);
  }
}
