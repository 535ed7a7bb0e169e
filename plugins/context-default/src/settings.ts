import { RokuError } from '@roku/plugin-api';
import type { ContextInput } from '@roku/plugin-api';

export interface Settings {
  /** Newest tool results microcompaction leaves untouched (MICROCOMPACT_RETAIN_RECENT). */
  readonly keepToolResults: number;
  /** Tail the L1 collapse keeps when it is enough (retain_tail_steps). */
  readonly tailMessages: number;
  /** L1 trigger, as a fraction of the context window (MID_WATER_TRIGGER_RATIO). */
  readonly midWaterRatio: number;
  readonly summaryMaxChars: number;
  /** L3b: at high water, ask the model for a structured summary (mechanical collapse when it fails). */
  readonly llmSummary: boolean;
  /** Longest wait for the summariser (COMPACT_LLM_TIMEOUT). */
  readonly llmTimeoutMs: number;
  /** L2: at mid water, splice the session summary kept in the memory slot instead of a mechanical collapse. */
  readonly sessionSummary: boolean;
  /** Scale estimates by the ratio of provider-reported to estimated prompt tokens (8 samples, 0.5–2). */
  readonly calibrate: boolean;
}

const DEFAULTS: Settings = {
  keepToolResults: 3,
  tailMessages: 8,
  midWaterRatio: 0.6,
  summaryMaxChars: 8000,
  llmSummary: false,
  llmTimeoutMs: 300_000,
  sessionSummary: true,
  calibrate: true,
};

function flag(raw: Record<string, unknown>, name: 'llmSummary' | 'sessionSummary' | 'calibrate'): boolean {
  const value = raw[name];
  if (value === undefined) return DEFAULTS[name];
  if (typeof value !== 'boolean') {
    throw new RokuError(
      'ROKU_COMPACTION_BAD_SETTINGS',
      `@roku/plugin-context-default settings: ${name} must be true or false`,
    );
  }
  return value;
}
/** Used when the host sends no usable compactThresholdRatio. */
const DEFAULT_COMPACT_RATIO = 0.75;

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

type NumberSetting =
  'keepToolResults' | 'tailMessages' | 'midWaterRatio' | 'summaryMaxChars' | 'llmTimeoutMs';

function number(raw: Record<string, unknown>, name: NumberSetting, ok: (n: number) => boolean): number {
  const value = raw[name];
  if (value === undefined) return DEFAULTS[name];
  if (typeof value !== 'number' || !ok(value)) {
    throw new RokuError(
      'ROKU_COMPACTION_BAD_SETTINGS',
      `@roku/plugin-context-default settings: ${name} is out of range`,
    );
  }
  return value;
}

/** The engine settings (validated by the host against the configSchema), defaults filled in. */
export function readSettings(config: unknown): Settings {
  const raw = config ?? {};
  if (!isObject(raw)) {
    throw new RokuError(
      'ROKU_COMPACTION_BAD_SETTINGS',
      '@roku/plugin-context-default settings must be an object',
    );
  }
  const int = (min: number) => (n: number) => Number.isInteger(n) && n >= min;
  return {
    keepToolResults: number(raw, 'keepToolResults', int(0)),
    tailMessages: number(raw, 'tailMessages', int(1)),
    midWaterRatio: number(raw, 'midWaterRatio', (n) => n > 0 && n <= 1),
    summaryMaxChars: number(raw, 'summaryMaxChars', int(500)),
    llmSummary: flag(raw, 'llmSummary'),
    llmTimeoutMs: number(raw, 'llmTimeoutMs', int(100)),
    sessionSummary: flag(raw, 'sessionSummary'),
    calibrate: flag(raw, 'calibrate'),
  };
}

/** Checks the hook input. @throws ROKU_COMPACTION_BAD_INPUT */
export function readInput(input: ContextInput): ContextInput & { compactThresholdRatio: number } {
  const request = (input as Partial<ContextInput> | null)?.request;
  if (!isObject(request) || !Array.isArray(request.messages)) {
    throw new RokuError(
      'ROKU_COMPACTION_BAD_INPUT',
      'context engine: input.request.messages must be an array',
    );
  }
  if (typeof input.contextWindow !== 'number' || !(input.contextWindow > 0)) {
    throw new RokuError(
      'ROKU_COMPACTION_BAD_INPUT',
      'context engine: input.contextWindow must be a positive number',
    );
  }
  const ratio = input.compactThresholdRatio;
  return {
    ...input,
    compactThresholdRatio:
      typeof ratio === 'number' && ratio > 0 && ratio <= 1 ? ratio : DEFAULT_COMPACT_RATIO,
  };
}
