/** How a server that went away is reached again (`reconnect` in its entry). */
export interface ReconnectPolicy {
  /** Attempts before the bridge gives up (0: never reconnect). */
  readonly maxAttempts: number;
  /** Delay before the first attempt; each next one doubles, up to `maxDelayMs`. */
  readonly initialDelayMs: number;
  readonly maxDelayMs: number;
}

export const DEFAULT_RECONNECT: ReconnectPolicy = { maxAttempts: 5, initialDelayMs: 500, maxDelayMs: 30_000 };

/** The entry's `reconnect` over the defaults. */
export function reconnectPolicy(entry: Partial<ReconnectPolicy> | undefined): ReconnectPolicy {
  return { ...DEFAULT_RECONNECT, ...entry };
}

/**
 * The wait before attempt `n` (1-based): exponential (initial × 2^(n-1), capped), with "equal jitter": half of
 * it fixed, half random, so servers dropped together do not all come back at the same instant.
 */
export function backoffDelay(
  attempt: number,
  policy: ReconnectPolicy,
  random: () => number = Math.random,
): number {
  const base = Math.min(policy.maxDelayMs, policy.initialDelayMs * 2 ** Math.max(0, attempt - 1));
  return base / 2 + (random() * base) / 2;
}
