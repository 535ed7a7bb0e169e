import type { PluginContext } from '@roku/plugin-api';

/** Samples kept (the estimator's window). */
const SAMPLES = 8;
const MIN_SCALE = 0.5;
/** Largest scale calibration gives (the engine's hint counts with it). */
export const MAX_SCALE = 2;
const MAX_RECORDS = 256;

/** What the kv store keeps per session: the samples only (records of older versions carry more, ignored). */
interface Stored {
  readonly ratios: readonly number[];
}

/** What this realm knows of its session's calibration between calls. */
interface Known {
  readonly sessionId: string;
  /** The run the last call belonged to. */
  runId: string;
  /** Reported prompt tokens so far in that run, at the last call. */
  reported: number;
  /** What the engine estimated for the request it returned last (messages + overhead); 0 before an answer. */
  estimated: number;
  ratios: readonly number[];
  /** The ratios as the kv store has them from this realm (read or written). */
  persisted: readonly number[];
  /** The kv store held no record for the session when this realm read it: the first write may need room. */
  isNew: boolean;
}

/**
 * This realm's calibration of its session. The runner gives a realm to one session only (see session-state.ts),
 * so one slot is enough: the kv store is read once per realm, not once per call. Keeping it here is safe
 * although another process (a second `roku chat` on the same session and ROKU_HOME) may write the same key:
 * calibration is advisory (it only scales token estimates, clamped to 0.5–2), each process's samples are
 * valid on their own, and the last writer wins. The per-call baseline (run, reported, estimated) lives only
 * here: a realm that starts anew takes its first sample one call later rather than trusting a stale one.
 */
let known: Known | undefined;

const key = (sessionId: string): string => `calibration:${sessionId.slice(0, 400)}`;

function readRatios(raw: string | null): readonly number[] | undefined {
  if (raw === null) return undefined;
  const parsed = JSON.parse(raw) as Partial<Stored> | null;
  const ratios = parsed?.ratios;
  return Array.isArray(ratios)
    ? ratios.filter((r): r is number => typeof r === 'number' && Number.isFinite(r) && r > 0).slice(-SAMPLES)
    : [];
}

async function load(ctx: PluginContext, sessionId: string): Promise<Known> {
  let ratios: readonly number[] | undefined;
  try {
    ratios = readRatios(await ctx.kv.get(key(sessionId)));
  } catch {
    ratios = [];
  }
  // One array for both: the same reference means nothing to write.
  const read = ratios ?? [];
  return {
    sessionId,
    runId: '',
    reported: 0,
    estimated: 0,
    ratios: read,
    persisted: read,
    isNew: ratios === undefined,
  };
}

function scaleOf(ratios: readonly number[]): number {
  const mean = ratios.length === 0 ? 1 : ratios.reduce((a, b) => a + b, 0) / ratios.length;
  return Math.min(MAX_SCALE, Math.max(MIN_SCALE, mean));
}

/** Relative change of the scale below which new samples are not written once the window is full. */
const WRITE_DRIFT = 0.02;

/**
 * Whether the realm's samples should replace the stored ones: while the stored window is not full, every new
 * sample; then only when the scale they give moved by more than 2 % from the stored one. So the stored scale
 * is always within 2 % of this realm's, and a converged session writes nothing.
 */
function worthWriting(ratios: readonly number[], persisted: readonly number[]): boolean {
  if (ratios === persisted) return false;
  if (persisted.length < SAMPLES) return true;
  const stored = scaleOf(persisted);
  return Math.abs(scaleOf(ratios) - stored) > WRITE_DRIFT * stored;
}

/**
 * The estimate scale of a session: the mean ratio of provider-reported to estimated prompt tokens over the
 * last 8 model calls, clamped to 0.5–2 (1 until there is a sample). A sample is taken when the run's reported
 * prompt tokens grew since the engine's last answer: the growth is what the provider counted for the request
 * the engine returned then. No sample when the host answered requests from the engine's hint in between
 * (`skipped`): the growth then covers several requests.
 *
 * Capability calls: one kv get when the realm first sees the session; a kv set only when the samples changed,
 * while the stored window is not full or the scale moved by more than 2 % (see worthWriting); a kv list (to
 * drop the oldest sessions' records) only on the first write of a session the store did not hold.
 */
export async function readScale(
  ctx: PluginContext,
  sessionId: string,
  runId: string,
  reported: number | undefined,
  skipped = false,
): Promise<{ scale: number; remember: (estimated: number) => Promise<void> }> {
  const state = known?.sessionId === sessionId ? known : await load(ctx, sessionId);
  known = state;
  const total = reported ?? 0;
  // Taken into the realm's state only with the answer's estimate (remember): a failed call samples nothing.
  const ratios =
    !skipped && state.runId === runId && total > state.reported && state.estimated > 0
      ? [...state.ratios, (total - state.reported) / state.estimated].slice(-SAMPLES)
      : state.ratios;
  const scale = scaleOf(ratios);
  return {
    scale,
    async remember(estimated) {
      state.ratios = ratios;
      state.runId = runId;
      state.reported = total;
      state.estimated = estimated;
      if (!worthWriting(state.ratios, state.persisted)) return;
      if (state.isNew) {
        const keys = await ctx.kv.list('calibration:');
        if (keys.length >= MAX_RECORDS) {
          for (const old of keys.slice(0, keys.length - MAX_RECORDS + 1)) await ctx.kv.delete(old);
        }
      }
      const next: Stored = { ratios: state.ratios };
      await ctx.kv.set(key(sessionId), JSON.stringify(next));
      state.persisted = state.ratios;
      state.isNew = false;
    },
  };
}
