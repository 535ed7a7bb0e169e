import type { PluginContext } from '@roku/plugin-api';

/** Samples kept (the estimator's window). */
const SAMPLES = 8;
const MIN_SCALE = 0.5;
const MAX_SCALE = 2;
const MAX_RECORDS = 256;

interface Record_ {
  /** The run the samples' cumulative count belongs to. */
  readonly runId: string;
  /** Reported prompt tokens so far in that run, at the last call. */
  readonly reported: number;
  /** What the engine estimated for the request it returned last (messages + overhead). */
  readonly estimated: number;
  readonly ratios: readonly number[];
}

const key = (sessionId: string): string => `calibration:${sessionId.slice(0, 400)}`;

/**
 * The estimate scale of a session: the mean ratio of provider-reported to estimated prompt tokens over the
 * last 8 model calls, clamped to 0.5–2 (1 until there is a sample). A sample is taken when the run's reported
 * prompt tokens grew since the engine's last answer: the growth is what the provider counted for the request
 * the engine returned then.
 */
export async function readScale(
  ctx: PluginContext,
  sessionId: string,
  runId: string,
  reported: number | undefined,
): Promise<{ scale: number; remember: (estimated: number) => Promise<void> }> {
  let record: Record_ | undefined;
  try {
    const raw = await ctx.kv.get(key(sessionId));
    record = raw === null ? undefined : (JSON.parse(raw) as Record_);
  } catch {
    record = undefined;
  }
  let ratios = record?.ratios ?? [];
  const total = reported ?? 0;
  if (record !== undefined && record.runId === runId && total > record.reported && record.estimated > 0) {
    ratios = [...ratios, (total - record.reported) / record.estimated].slice(-SAMPLES);
  }
  const mean = ratios.length === 0 ? 1 : ratios.reduce((a, b) => a + b, 0) / ratios.length;
  const scale = Math.min(MAX_SCALE, Math.max(MIN_SCALE, mean));
  return {
    scale,
    async remember(estimated) {
      const keys = await ctx.kv.list('calibration:');
      if (keys.length >= MAX_RECORDS) {
        for (const old of keys.slice(0, keys.length - MAX_RECORDS + 1)) await ctx.kv.delete(old);
      }
      const next: Record_ = { runId, reported: total, estimated, ratios };
      await ctx.kv.set(key(sessionId), JSON.stringify(next));
    },
  };
}
