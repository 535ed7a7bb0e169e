import { RokuError } from '@roku/plugin-api';
import type { PluginContext } from '@roku/plugin-api';
import { cut } from './answer.js';
import type { Conversation } from './conversation.js';
import type { CompiledStep, ScriptStep, Settings } from './settings.js';

/**
 * kv records of strict mode (documented in the README, read by test helpers):
 * `strict:script:<digest>` holds the JSON array of the script's step labels, `strict:used:<digest>:<index>` is
 * set once step `index` of that script was due for a request.
 */
export const STRICT_SCRIPT_PREFIX = 'strict:script:';
export const STRICT_USED_PREFIX = 'strict:used:';

/** Longest step label kept in kv (the script may hold 1000 steps in a 256 KiB store). */
const MAX_LABEL_CHARS = 100;
/** Longest quote of the user message in an unexpected-request error. */
const MAX_QUOTED_CHARS = 200;

/** A short JSON form of a step, without the fields the host filled in with their defaults. */
export function stepLabel(step: ScriptStep): string {
  const shown: Record<string, unknown> = { ...step };
  if (shown.finishReason === 'stop') delete shown.finishReason;
  if (shown.malformed === false) delete shown.malformed;
  const json = JSON.stringify(shown);
  return json.length <= MAX_LABEL_CHARS ? json : `${cut(json, MAX_LABEL_CHARS - 1)}…`;
}

/** Records that `step` was due for a request, so that a test can list the steps that never were. */
export async function recordUse(
  kv: PluginContext['kv'],
  settings: Settings,
  step: CompiledStep,
): Promise<void> {
  const scriptKey = `${STRICT_SCRIPT_PREFIX}${settings.scriptDigest}`;
  if ((await kv.get(scriptKey)) === null) {
    await kv.set(scriptKey, JSON.stringify(settings.script.map((s) => stepLabel(s.step))));
  }
  await kv.set(`${STRICT_USED_PREFIX}${settings.scriptDigest}:${step.index}`, '1');
}

/** The error for a request no step answers in strict mode, naming the request. */
export function unexpectedRequest(conversation: Conversation, fitting: number): RokuError {
  const quoted = JSON.stringify(cut(conversation.lastUser, MAX_QUOTED_CHARS));
  const fits = fitting === 1 ? '1 step fits it' : `${fitting} steps fit it`;
  return new RokuError(
    'ROKU_SCRIPTED_UNEXPECTED_REQUEST',
    `strict script: no step for model call ${conversation.stepIndex + 1} after the user message ${quoted} (${fits}); add a step or turn strict off`,
  );
}
