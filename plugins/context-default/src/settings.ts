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
}

const DEFAULTS: Settings = { keepToolResults: 3, tailMessages: 8, midWaterRatio: 0.6, summaryMaxChars: 8000 };
/** Used when the host sends no usable compactThresholdRatio. */
const DEFAULT_COMPACT_RATIO = 0.75;

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function number(raw: Record<string, unknown>, name: keyof Settings, ok: (n: number) => boolean): number {
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
