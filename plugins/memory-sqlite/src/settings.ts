/** Most records one recall returns, whatever is asked or configured (HARD_MAX_MEMORY_RECALL_TOP_K). */
export const HARD_MAX_RECALL_TOP_K = 64;
/** Most records one write transaction holds, whatever is configured (HARD_MAX_MEMORY_WRITE_BATCH_SIZE). */
export const HARD_MAX_WRITE_BATCH_SIZE = 256;

export interface Settings {
  /** Records a recall returns when the caller names no limit; clamped to HARD_MAX_RECALL_TOP_K. */
  readonly recallTopK: number;
  /** Records per write transaction; clamped to HARD_MAX_WRITE_BATCH_SIZE. */
  readonly writeMaxBatchSize: number;
  readonly recencyHalfLifeDays: number;
}

const DEFAULTS: Settings = { recallTopK: 8, writeMaxBatchSize: 256, recencyHalfLifeDays: 30 };

function positive(value: unknown, fallback: number): number {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : fallback;
}

/**
 * The settings (validated by the host against the configSchema), defaults filled in and the hard caps applied:
 * a configured `recallTopK` of 1000 becomes 64, a `writeMaxBatchSize` of 1000 becomes 256.
 */
export function readSettings(config: unknown): Settings {
  const raw = (typeof config === 'object' && config !== null ? config : {}) as Record<string, unknown>;
  return {
    recallTopK: Math.min(HARD_MAX_RECALL_TOP_K, Math.floor(positive(raw.recallTopK, DEFAULTS.recallTopK))),
    writeMaxBatchSize: Math.min(
      HARD_MAX_WRITE_BATCH_SIZE,
      Math.floor(positive(raw.writeMaxBatchSize, DEFAULTS.writeMaxBatchSize)),
    ),
    recencyHalfLifeDays: positive(raw.recencyHalfLifeDays, DEFAULTS.recencyHalfLifeDays),
  };
}

/** A recall or list limit: the caller's (a positive integer), else `fallback`; never above `max`. */
export function readLimit(limit: unknown, fallback: number, max: number): number {
  const wanted = typeof limit === 'number' && Number.isInteger(limit) && limit > 0 ? limit : fallback;
  return Math.min(wanted, max);
}
