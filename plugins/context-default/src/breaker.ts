import type { PluginContext } from '@roku/plugin-api';

/** Consecutive summariser failures that trip the breaker (MAX_CONSECUTIVE_AUTOCOMPACT_FAILURES). */
export const MAX_CONSECUTIVE_FAILURES = 3;
/** Breaker records kept; older sessions' are dropped first. */
const MAX_RECORDS = 256;

export interface BreakerState {
  readonly failures: number;
  readonly tripped: boolean;
}

/**
 * The summariser's breaker for one session, kept in the plugin's kv store so it holds across runs and
 * processes: three failures in a row trip it, and a tripped breaker stays tripped (only mechanical compaction
 * from then on). A success before that resets the count.
 */
export interface Breaker {
  read(): Promise<BreakerState>;
  /** Records an outcome; true when this failure just tripped the breaker. */
  record(succeeded: boolean): Promise<boolean>;
}

const key = (sessionId: string): string => `breaker:${sessionId.slice(0, 400)}`;

export function sessionBreaker(ctx: PluginContext, sessionId: string): Breaker {
  const read = async (): Promise<BreakerState> => {
    try {
      const raw = await ctx.kv.get(key(sessionId));
      const parsed = (raw === null ? {} : JSON.parse(raw)) as { failures?: unknown; tripped?: unknown };
      const failures = typeof parsed.failures === 'number' ? parsed.failures : 0;
      return { failures, tripped: parsed.tripped === true };
    } catch {
      return { failures: 0, tripped: false };
    }
  };
  return {
    read,
    async record(succeeded) {
      const before = await read();
      const failures = succeeded ? 0 : before.failures + 1;
      const tripped = before.tripped || failures >= MAX_CONSECUTIVE_FAILURES;
      const keys = await ctx.kv.list('breaker:');
      if (keys.length >= MAX_RECORDS) {
        for (const old of keys.slice(0, keys.length - MAX_RECORDS + 1)) await ctx.kv.delete(old);
      }
      await ctx.kv.set(key(sessionId), JSON.stringify({ failures, tripped }));
      return tripped && !before.tripped;
    },
  };
}
