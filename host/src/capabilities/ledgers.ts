import { createFsUsageLedger } from './fs/fs-quota.js';
import type { FsUsageLedger } from './fs/fs-quota.js';

const WINDOW_MS = 60_000;
const BUCKETS = 60;

/** An amount counted over the last minute, in one-second buckets. */
export interface MinuteWindow {
  /** What was counted during the last 60 seconds. */
  total(now: number): number;
  add(amount: number, now: number): void;
}

export function createMinuteWindow(): MinuteWindow {
  const bucketMs = WINDOW_MS / BUCKETS;
  const amounts = new Array<number>(BUCKETS).fill(0);
  const stamps = new Array<number>(BUCKETS).fill(-1);
  const slot = (now: number): number => {
    const tick = Math.floor(now / bucketMs);
    const index = tick % BUCKETS;
    if (stamps[index] !== tick) {
      stamps[index] = tick;
      amounts[index] = 0;
    }
    return index;
  };
  return {
    total(now) {
      const tick = Math.floor(now / bucketMs);
      let sum = 0;
      for (let i = 0; i < BUCKETS; i += 1) {
        const stamp = stamps[i] ?? -1;
        if (stamp >= 0 && tick - stamp < BUCKETS) sum += amounts[i] ?? 0;
      }
      return sum;
    },
    add(amount, now) {
      const index = slot(now);
      amounts[index] = (amounts[index] ?? 0) + amount;
    },
  };
}

/** Rates and in-flight counts of one plugin, shared by its loaded versions. */
export interface PluginRates {
  readonly logBytes: MinuteWindow;
  readonly llmCalls: MinuteWindow;
  readonly llmTokens: MinuteWindow;
  /** HTTP requests started and not yet finished (response read, cancelled or the call ended). */
  httpInFlight: number;
}

/** Usage that outlives one broker: filesystem quotas and rates per plugin id. One per host. */
export interface CapabilityLedgers {
  readonly fs: FsUsageLedger;
  rates(pluginId: string): PluginRates;
}

/**
 * Creates the ledgers of one host. The plugin host passes the same ledgers to every broker, so a plugin loaded
 * twice (the old and new snapshot during a reload) shares its quotas and rates.
 */
export function createCapabilityLedgers(): CapabilityLedgers {
  const rates = new Map<string, PluginRates>();
  return {
    fs: createFsUsageLedger(),
    rates(pluginId) {
      let entry = rates.get(pluginId);
      if (entry === undefined) {
        entry = {
          logBytes: createMinuteWindow(),
          llmCalls: createMinuteWindow(),
          llmTokens: createMinuteWindow(),
          httpInFlight: 0,
        };
        rates.set(pluginId, entry);
      }
      return entry;
    },
  };
}
