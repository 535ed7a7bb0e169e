import { RokuError, parsePluginOp } from '@roku/schemas';
import type { PluginOp, PluginOpInput, PluginOpKind } from '@roku/schemas';
import { sanitizePluginValue } from '../capabilities/index.js';
import type { CallOptions, Sandbox } from '../sandbox/loaded-sandbox.js';
import { ANSWER_CHECKS } from './answers.js';
import { currentSandboxCallObserver } from './call-observer.js';
import type { AnswerCheck, PluginAnswer } from './answers.js';

export interface PluginCallOptions extends CallOptions {
  /** Told what was dropped from an answer (an invalid memory record, …), one sentence each. */
  readonly onDropped?: (problem: string) => void;
}

/**
 * Calls a plugin operation with its typed input and resolves to its checked answer (see `ANSWER_CHECKS`): the
 * one way the host calls plugins, like rollup's `runHook`. Build `op` with `pluginOp(kind, name?)`.
 *
 * @throws whatever `Sandbox.call` throws; ROKU_PLUGIN_FAILED with `details.answer` (what is wrong) when the
 *   answer is not what the op returns
 * @example
 * const records = await callPlugin(sandbox, pluginOp('memory.recall'), { sessionId, query, limit: 3 });
 */
export async function callPlugin<K extends PluginOpKind>(
  sandbox: Sandbox,
  op: PluginOp<K>,
  input: PluginOpInput<K>,
  options: PluginCallOptions = {},
): Promise<PluginAnswer<K>> {
  const { onDropped, ...callOptions } = options;
  const session = options.session ?? sessionOf(input) ?? sessionOf(options.context);
  const observer = currentSandboxCallObserver();
  if (observer === undefined) return callChecked(sandbox, op, input, session, callOptions, onDropped);
  const startTime = Date.now();
  const started = performance.now();
  const report = (ok: boolean, code?: string): void => {
    try {
      observer({
        pluginId: sandbox.manifest.id,
        version: sandbox.manifest.version,
        op,
        startTime,
        durationMs: performance.now() - started,
        ok,
        ...(code === undefined ? {} : { code }),
      });
    } catch {
      // An observer's failure is not the call's.
    }
  };
  try {
    const answer = await callChecked(sandbox, op, input, session, callOptions, onDropped);
    report(true);
    return answer;
  } catch (err) {
    const code = (err as { code?: unknown } | null)?.code;
    report(false, typeof code === 'string' ? code : 'ERROR');
    throw err;
  }
}

async function callChecked<K extends PluginOpKind>(
  sandbox: Sandbox,
  op: PluginOp<K>,
  input: PluginOpInput<K>,
  session: string | undefined,
  callOptions: CallOptions,
  onDropped: ((problem: string) => void) | undefined,
): Promise<PluginAnswer<K>> {
  // Plugin text reaches prompts, logs and terminals: control and format characters are escaped on the way in.
  const value = sanitizePluginValue(
    await sandbox.call(op, input, session === undefined ? callOptions : { ...callOptions, session }),
  );
  const parsed = parsePluginOp(op);
  // A PluginOp comes from pluginOp(), so it always parses; the guard keeps a forged one from going unchecked.
  if (parsed === undefined) throw new RokuError('ROKU_SANDBOX_UNKNOWN_OP', `unknown operation '${op}'`);
  // `op` is a PluginOp<K>, so the kind it parses to is K.
  const check: AnswerCheck<K> = ANSWER_CHECKS[parsed.kind as K];
  const checked = check(value, input);
  if (!checked.ok) {
    const { id, version } = sandbox.manifest;
    throw new RokuError('ROKU_PLUGIN_FAILED', `${id}: ${op} returned ${checked.problem}`, {
      details: { pluginId: id, version, op, answer: checked.problem },
    });
  }
  for (const problem of checked.dropped) onDropped?.(problem);
  return checked.value;
}

/** The session a call serves, when its input or context names one (`sessionId`). */
function sessionOf(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const id = (value as { sessionId?: unknown }).sessionId;
  return typeof id === 'string' && id !== '' ? id : undefined;
}

/** What was wrong with an answer, when `err` is callPlugin's refusal of one (not a failed call). */
export function answerProblem(err: unknown): string | undefined {
  const details = (err as { details?: { answer?: unknown } } | null)?.details;
  return typeof details?.answer === 'string' ? details.answer : undefined;
}
