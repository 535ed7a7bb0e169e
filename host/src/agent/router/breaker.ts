/**
 * Circuit breakers, one per provider contribution (pluginId + provider name), spec §5.6.
 *
 * Counting: every failed attempt that is the provider's fault counts, retries included, so a request that is
 * retried three times and then succeeds leaves the breaker closed (3 < 4), while a provider that fails four
 * attempts in a row opens it even inside one request. Context-window errors, invalid requests and caller
 * aborts are neutral: they neither count nor reset the count. Any success closes the breaker.
 *
 * One incident counts once: a failed attempt that was already running when the last counted failure was
 * recorded does not count again (many sessions in flight when a sandbox dies, or an upstream blips, fail
 * together; counted one by one they would open the breaker at once and pause the provider for every session).
 * Attempts started after it, retries included, count as before.
 *
 * States: closed → open (after `threshold` consecutive failures) → half-open after `cooldownMs`, which lets
 * exactly one probe attempt through (others fail fast while it runs); the probe's success closes the breaker,
 * its failure re-opens it for another cooldown. A threshold of 0 disables the breaker.
 */

export type BreakerStatus = 'closed' | 'open' | 'half-open';

/** A breaker as `/plugins` and metrics show it. */
export interface BreakerState {
  readonly status: BreakerStatus;
  readonly consecutiveFailures: number;
  /** When an open breaker lets a probe through (the router's clock); null unless open. */
  readonly retryAt: number | null;
  /** A half-open breaker's probe is running. */
  readonly probeInFlight: boolean;
  /** How often the breaker opened since the board was created. */
  readonly opened: number;
}

export interface BreakerPolicy {
  readonly threshold: number;
  readonly cooldownMs: number;
}

/** Whether an attempt may go to the provider; `probe` marks the single attempt of a half-open breaker. */
export type BreakerGate =
  { readonly ok: true; readonly probe: boolean } | { readonly ok: false; readonly retryAt: number | null };

/**
 * Breaker state of every provider. Create one per host with `createBreakerBoard()` and hand it to the router
 * of each plugin snapshot, so that a snapshot swap does not close open breakers.
 */
export interface BreakerBoard {
  state(pluginId: string, provider: string, now: number): BreakerState;
  /** Every provider with recorded state, sorted by plugin id then provider. */
  entries(now: number): readonly { pluginId: string; provider: string; state: BreakerState }[];
  /** Forgets a provider's state (e.g. after the user re-enables a plugin); without arguments, all. */
  reset(pluginId?: string, provider?: string): void;
  /** Asks to send an attempt; a granted probe must be ended by `succeed`, `fail` or `release`. */
  acquire(pluginId: string, provider: string, policy: BreakerPolicy, now: number): BreakerGate;
  succeed(pluginId: string, provider: string): void;
  /**
   * `open`: opens the breaker at once (an exhausted quota does not recover within the threshold's attempts).
   * `startedAt`: when the attempt began; an attempt begun before the last counted failure does not count.
   */
  fail(
    pluginId: string,
    provider: string,
    policy: BreakerPolicy,
    now: number,
    open?: boolean,
    startedAt?: number,
  ): void;
  /** Ends an attempt without a verdict (neutral error, abort): a half-open probe slot becomes free again. */
  release(pluginId: string, provider: string, probe: boolean): void;
}

interface BreakerRecord {
  status: BreakerStatus;
  failures: number;
  retryAt: number | null;
  probeInFlight: boolean;
  opened: number;
  /** When the last counted failure was recorded (the router's clock). */
  lastFailureAt: number | undefined;
}

const CLOSED: BreakerState = {
  status: 'closed',
  consecutiveFailures: 0,
  retryAt: null,
  probeInFlight: false,
  opened: 0,
};

/** Creates an empty breaker board. */
export function createBreakerBoard(): BreakerBoard {
  const records = new Map<string, { pluginId: string; provider: string; record: BreakerRecord }>();
  const keyOf = (pluginId: string, provider: string): string => `${pluginId}\u0000${provider}`;
  const get = (pluginId: string, provider: string): BreakerRecord => {
    const key = keyOf(pluginId, provider);
    let slot = records.get(key);
    if (slot === undefined) {
      slot = {
        pluginId,
        provider,
        record: {
          status: 'closed',
          failures: 0,
          retryAt: null,
          probeInFlight: false,
          opened: 0,
          lastFailureAt: undefined,
        },
      };
      records.set(key, slot);
    }
    return slot.record;
  };
  const view = (record: BreakerRecord | undefined, now: number): BreakerState => {
    if (record === undefined) return CLOSED;
    // An open breaker whose cooldown is over is half-open: the next attempt is the probe.
    const status =
      record.status === 'open' && record.retryAt !== null && now >= record.retryAt
        ? 'half-open'
        : record.status;
    return {
      status,
      consecutiveFailures: record.failures,
      retryAt: status === 'open' ? record.retryAt : null,
      probeInFlight: record.probeInFlight,
      opened: record.opened,
    };
  };

  return {
    state(pluginId, provider, now) {
      return view(records.get(keyOf(pluginId, provider))?.record, now);
    },
    entries(now) {
      return [...records.values()]
        .sort((a, b) =>
          a.pluginId === b.pluginId ? compare(a.provider, b.provider) : compare(a.pluginId, b.pluginId),
        )
        .map((slot) => ({ pluginId: slot.pluginId, provider: slot.provider, state: view(slot.record, now) }));
    },
    reset(pluginId, provider) {
      if (pluginId === undefined) {
        records.clear();
        return;
      }
      for (const [key, slot] of records) {
        if (slot.pluginId === pluginId && (provider === undefined || slot.provider === provider)) {
          records.delete(key);
        }
      }
    },
    acquire(pluginId, provider, policy, now) {
      if (policy.threshold <= 0) return { ok: true, probe: false };
      const record = get(pluginId, provider);
      switch (record.status) {
        case 'closed':
          return { ok: true, probe: false };
        case 'open':
          if (record.retryAt !== null && now < record.retryAt) return { ok: false, retryAt: record.retryAt };
          record.status = 'half-open';
          record.retryAt = null;
          record.probeInFlight = true;
          return { ok: true, probe: true };
        case 'half-open':
          if (record.probeInFlight) return { ok: false, retryAt: null };
          record.probeInFlight = true;
          return { ok: true, probe: true };
      }
    },
    succeed(pluginId, provider) {
      const record = get(pluginId, provider);
      record.status = 'closed';
      record.failures = 0;
      record.retryAt = null;
      record.probeInFlight = false;
    },
    fail(pluginId, provider, policy, now, open = false, startedAt = now) {
      const record = get(pluginId, provider);
      const sameIncident =
        record.status === 'closed' &&
        !open &&
        record.lastFailureAt !== undefined &&
        startedAt < record.lastFailureAt;
      if (sameIncident) return;
      record.lastFailureAt = now;
      record.failures += 1;
      if (policy.threshold <= 0) return;
      const reopen =
        record.status === 'half-open' ||
        (record.status === 'closed' && (open || record.failures >= policy.threshold));
      if (reopen) {
        record.status = 'open';
        record.retryAt = now + Math.max(0, policy.cooldownMs);
        record.probeInFlight = false;
        record.opened += 1;
      }
    },
    release(pluginId, provider, probe) {
      const record = records.get(keyOf(pluginId, provider))?.record;
      if (probe && record?.status === 'half-open') record.probeInFlight = false;
    },
  };
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
