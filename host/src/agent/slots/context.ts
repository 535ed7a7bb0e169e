import { RokuError, pluginOp } from '@roku/schemas';
import type { ChatMessage, ContextInput, ContextResult } from '@roku/schemas';
import { callPlugin } from '../../plugins/call-plugin.js';
import { validMessages } from '../../plugins/answers.js';
import { abortable, asRokuError } from '../abort.js';
import type { SlotOwner, SnapshotPlugin } from '../snapshot/snapshot.js';
import { answerFromHint, keepHint } from './context-hint.js';
import { startsWith } from './context-memo.js';
import type { ContextMemoBox } from './context-memo.js';
import { callSlot } from './slot-call.js';
import type { SlotCallOptions } from './slot-call.js';

/** The context engine's hooks: before every model request, and forced compaction. */
export type ContextHook = 'context.beforeRequest' | 'context.compact';

export interface ContextCallOptions extends SlotCallOptions {
  /**
   * The session's memo: the engine's calls run in the session's realm and, when the engine keeps state, get
   * only what is new since its last answer (ContextInput.since).
   */
  readonly memo?: { readonly sessionId: string; readonly box: ContextMemoBox };
  /**
   * Whether the engine's standing hint may answer instead of the engine (ContextHint); the host's own estimate
   * being over the compaction threshold says no.
   */
  readonly hinted?: boolean;
}

/**
 * Runs a context-engine hook (its owner, else the bundled default). The answer is checked: its messages must
 * fit what the engine was given, and only known reports are kept. Undefined when there is no engine or both
 * owners fail: the request goes as it is.
 *
 * @throws ROKU_RUN_INTERRUPTED only
 */
export async function callContextEngine(
  owner: SlotOwner | undefined,
  hook: ContextHook,
  input: ContextInput,
  options: ContextCallOptions,
): Promise<ContextResult | undefined> {
  if (owner === undefined) return undefined;
  const { signal, memo, logger } = options;
  if (memo !== undefined && hook === 'context.beforeRequest' && options.hinted !== false) {
    const answer = answerFromHint(owner, input, memo.sessionId, memo.box);
    if (answer !== undefined) return answer;
  }
  // The engine is called: it learns how many requests its hint answered, and the hint ends with the call.
  const skipped = memo?.box.hint?.plugin === owner.plugin ? memo.box.hint.skipped : 0;
  if (memo !== undefined) memo.box.hint = undefined;
  const whole = skipped > 0 ? { ...input, skipped } : input;
  const send = (plugin: SnapshotPlugin, sent: ContextInput): Promise<ContextResult> =>
    abortable(
      callPlugin(plugin.sandbox, pluginOp(hook), sent, {
        config: plugin.settings,
        onDropped: (problem) => {
          logger.warn({ pluginId: plugin.manifest.id, hook, problem }, 'context engine answer: part ignored');
        },
        // Capabilities the engine uses (memory for the session summary, llm) act for this session and run.
        ...(sent.sessionId === undefined
          ? {}
          : {
              context: {
                sessionId: sent.sessionId,
                ...(sent.runId === undefined ? {} : { runId: sent.runId }),
              },
            }),
        ...(signal === undefined ? {} : { signal }),
        ...(memo === undefined ? {} : { session: memo.sessionId }),
      }),
      signal,
    );
  const result = await callSlot(
    owner,
    'context engine',
    async (plugin) => {
      if (memo === undefined) return send(plugin, whole);
      const answer = await incremental(plugin, whole, memo.sessionId, memo.box, send);
      if (hook === 'context.beforeRequest') keepHint(memo.box, plugin, whole, answer);
      return answer;
    },
    options,
  );
  // an engine that failed, or the default answering instead, leaves nothing to continue from
  if (memo !== undefined && memo.box.current?.sandbox !== owner.plugin.sandbox) memo.box.current = undefined;
  return result;
}

/**
 * One engine call through the session's memo: only the messages after those the engine kept when the request
 * continues them, else (or when the engine lost them) the whole request. The answer is made whole and checked.
 */
async function incremental(
  plugin: SnapshotPlugin,
  input: ContextInput,
  sessionId: string,
  box: ContextMemoBox,
  send: (plugin: SnapshotPlugin, sent: ContextInput) => Promise<ContextResult>,
): Promise<ContextResult> {
  const messages = input.request.messages;
  const memo = box.current;
  box.current = undefined;
  const likelyHeld = box.realms.called(plugin.sandbox, sessionId);
  if (likelyHeld && memo?.sandbox === plugin.sandbox && startsWith(messages, memo.input)) {
    const since = { state: memo.state, count: memo.input.length };
    try {
      const answer = await send(plugin, {
        ...input,
        request: { ...input.request, messages: messages.slice(memo.input.length) },
        since,
      });
      box.realms.answered(plugin.sandbox, true);
      return remember(box, plugin, messages, answer, memo.output);
    } catch (err) {
      if (asRokuError(err).details?.pluginCode !== 'ROKU_CONTEXT_STATE_LOST') throw err;
      box.realms.answered(plugin.sandbox, false);
    }
  }
  return remember(box, plugin, messages, await send(plugin, input), undefined);
}

/** The whole answer (its kept messages from `previous`, checked with the rest); the memo for the next call. */
function remember(
  box: ContextMemoBox,
  plugin: SnapshotPlugin,
  input: readonly ChatMessage[],
  answer: ContextResult,
  previous: readonly ChatMessage[] | undefined,
): ContextResult {
  const { state, keep = 0, ...rest } = answer;
  let output = answer.request.messages;
  if (previous !== undefined) {
    const kept = previous.slice(0, keep);
    const tail = keep <= previous.length ? validMessages(output, input, kept) : undefined;
    if (tail === undefined) {
      const { id, version } = plugin.manifest;
      throw new RokuError(
        'ROKU_PLUGIN_FAILED',
        `${id}: context engine returned an invalid incremental answer (keep ${keep} of ${previous.length} messages, then ${output.length}: every tool result must answer a call, and no more messages than the input)`,
        { details: { pluginId: id, version, answer: 'invalid incremental answer' } },
      );
    }
    output = kept.concat(tail);
  }
  if (state !== undefined) box.current = { sandbox: plugin.sandbox, state, input, output };
  return { ...rest, request: { ...answer.request, messages: output } };
}
