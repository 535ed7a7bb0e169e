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

/** Failure counts kept outside this process (the agent's store), so separate `roku` processes add up. */
export interface SharedFailureCount {
  /** Records a failure; returns the plugin's failures within the last `windowMs`, this one included. */
  count(pluginId: string, reason: { code: string; message: string }, windowMs: number): number;
}

/**
 * Counts sandbox failures per plugin in a sliding window (in `shared` when given, else in this process); at `failures` within `windowMs` the plugin is
 * quarantined until `release` (a user re-enabling it). `failures: 0` disables quarantine.
 */
export class QuarantineTracker {
  readonly #failures: number;
  readonly #windowMs: number;
  readonly #now: () => number;
  readonly #recent = new Map<string, number[]>();
  readonly #quarantined = new Map<string, QuarantineEntry>();
  readonly #shared: SharedFailureCount | undefined;

  /** `shared` comes with the ceilings' `quarantine` options (the agent runtime passes its store there). */
  constructor(options: {
    failures: number;
    windowMs: number;
    now?: () => number;
    shared?: SharedFailureCount;
  }) {
    this.#failures = options.failures;
    this.#windowMs = options.windowMs;
    this.#now = options.now ?? Date.now;
    this.#shared = options.shared;
  }

  /** Records a failure; returns the entry when this failure quarantined the plugin. */
  record(pluginId: string, reason: { code: string; message: string }): QuarantineEntry | undefined {
    if (this.#failures === 0 || !QUARANTINE_CODES.has(reason.code) || this.#quarantined.has(pluginId))
      return undefined;
    const now = this.#now();
    const times = (this.#recent.get(pluginId) ?? []).filter((t) => now - t < this.#windowMs);
    times.push(now);
    this.#recent.set(pluginId, times);
    const under = this.#countShared(pluginId, reason) ?? times.length < this.#failures;
    if (under) return undefined;
    const entry = { pluginId, since: now, reason: { code: reason.code, message: reason.message } };
    this.#quarantined.set(pluginId, entry);
    this.#recent.delete(pluginId);
    return entry;
  }

  /** Whether the shared count stays under the limit; undefined without one (or when it cannot be read). */
  #countShared(pluginId: string, reason: { code: string; message: string }): boolean | undefined {
    if (this.#shared === undefined) return undefined;
    try {
      return this.#shared.count(pluginId, reason, this.#windowMs) < this.#failures;
    } catch {
      return undefined;
    }
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
