import { PROVIDER_ERROR_CODES, RokuError, stableHash } from '@roku/plugin-api';
import type { ProviderErrorCode, TokenUsage } from '@roku/plugin-api';

const PROVIDER_CODES: ReadonlySet<string> = new Set<string>(PROVIDER_ERROR_CODES);

const FINISH_REASONS: ReadonlySet<string> = new Set(['stop', 'tool_calls', 'max_tokens']);

export interface ScriptedToolCall {
  readonly id?: string;
  readonly name: string;
  readonly arguments: Readonly<Record<string, unknown>>;
}

export interface ScriptStep {
  readonly match?: string;
  readonly text?: string;
  readonly toolCalls?: readonly ScriptedToolCall[];
  readonly finishReason?: 'stop' | 'tool_calls' | 'max_tokens';
  readonly error?: {
    readonly code: ProviderErrorCode;
    readonly message: string;
    readonly retryAfterMs?: number;
  };
  readonly failTimes?: number;
  readonly delayMs?: number;
  readonly usage?: TokenUsage;
  readonly malformed?: boolean;
}

/** A step with its position in the script and its compiled pattern. */
export interface CompiledStep {
  readonly step: ScriptStep;
  readonly index: number;
  readonly pattern: RegExp | undefined;
}

export interface Settings {
  readonly script: readonly CompiledStep[];
  /** Identifies the script (a hash of its JSON), so that strict-mode records of different scripts stay apart. */
  readonly scriptDigest: string;
  readonly chunkChars: number;
  readonly delayMs: number;
  /** Fail requests no step answers, and record which steps answered (see README, "Strict mode"). */
  readonly strict: boolean;
}

function bad(message: string): never {
  throw new RokuError('ROKU_SCRIPTED_BAD_SETTINGS', `@roku/plugin-provider-scripted settings: ${message}`);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function integer(value: unknown, path: string, min: number, max: number, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    bad(`${path} must be an integer from ${min} to ${max}`);
  }
  return value;
}

function checkStep(raw: unknown, index: number): CompiledStep {
  const path = `script[${index}]`;
  if (!isObject(raw)) bad(`${path} must be an object`);
  const step = raw as ScriptStep;
  let pattern: RegExp | undefined;
  if (step.match !== undefined) {
    if (typeof step.match !== 'string') bad(`${path}.match must be a string`);
    try {
      pattern = new RegExp(step.match);
    } catch (err) {
      bad(`${path}.match is not a valid regular expression: ${(err as Error).message}`);
    }
  }
  if (step.text !== undefined && typeof step.text !== 'string') bad(`${path}.text must be a string`);
  if (step.toolCalls !== undefined) {
    if (!Array.isArray(step.toolCalls)) bad(`${path}.toolCalls must be an array`);
    step.toolCalls.forEach((call: unknown, i) => {
      if (!isObject(call) || typeof call.name !== 'string' || call.name === '' || !isObject(call.arguments)) {
        bad(`${path}.toolCalls[${i}] must be { name: string, arguments: object, id?: string }`);
      }
    });
  }
  if (step.finishReason !== undefined && !FINISH_REASONS.has(step.finishReason)) {
    bad(`${path}.finishReason must be stop, tool_calls or max_tokens`);
  }
  if (step.error !== undefined) {
    if (
      !isObject(step.error) ||
      !PROVIDER_CODES.has(step.error.code) ||
      typeof step.error.message !== 'string'
    ) {
      bad(`${path}.error must be { code: PROVIDER_*, message: string, retryAfterMs?: number }`);
    }
  }
  integer(step.failTimes, `${path}.failTimes`, 0, 1000, 0);
  integer(step.delayMs, `${path}.delayMs`, 0, 600_000, 0);
  return { step, index, pattern };
}

/**
 * Reads the plugin settings (already validated by the host against the manifest's configSchema) and compiles
 * the script's patterns.
 *
 * @throws ROKU_SCRIPTED_BAD_SETTINGS when a value is unusable, e.g. a match pattern that does not compile.
 */
export function readSettings(config: unknown): Settings {
  const raw = config ?? {};
  if (!isObject(raw)) bad('must be an object');
  const script = raw.script ?? [];
  if (!Array.isArray(script)) bad('script must be an array');
  if (raw.strict !== undefined && typeof raw.strict !== 'boolean') bad('strict must be true or false');
  return {
    script: script.map((step, i) => checkStep(step, i)),
    scriptDigest: stableHash(JSON.stringify(script)),
    chunkChars: integer(raw.chunkChars, 'chunkChars', 1, 4096, 16),
    delayMs: integer(raw.delayMs, 'delayMs', 0, 600_000, 0),
    strict: raw.strict === true,
  };
}
