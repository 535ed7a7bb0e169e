import type { PluginContext } from '@roku/plugin-api';
import { stableHash as hash53 } from '@roku/plugin-api';
import type { CompiledStep, ScriptStep } from './settings.js';

/** The steps whose pattern fits the last user message, in script order. */
export function fittingSteps(script: readonly CompiledStep[], lastUser: string): CompiledStep[] {
  return script.filter(({ pattern }) => pattern === undefined || pattern.test(lastUser));
}

/** kv key counting the failed attempts of one step for one request position in one session. */
export function attemptsKey(
  sessionId: string,
  lastUser: string,
  stepIndex: number,
  step: ScriptStep,
): string {
  return `attempts:${hash53(sessionId)}:${hash53(lastUser)}:${stepIndex}:${hash53(JSON.stringify(step))}`;
}

/**
 * Whether this attempt of an error step fails. Without failTimes it always does. With failTimes the attempts are
 * counted in kv: the first failTimes attempts fail, the next one succeeds and resets the count, so the same
 * request fails failTimes times again if it is sent anew later.
 */
export async function attemptFails(
  kv: PluginContext['kv'],
  key: string,
  failTimes: number | undefined,
): Promise<boolean> {
  if (failTimes === undefined) return true;
  const stored = await kv.get(key);
  const failed = stored === null ? 0 : Number.parseInt(stored, 10) || 0;
  if (failed < failTimes) {
    await kv.set(key, String(failed + 1));
    return true;
  }
  if (stored !== null) await kv.delete(key);
  return false;
}
