import { pluginOp } from '@roku/schemas';
import type { ContextInput, ContextResult } from '@roku/schemas';
import { callPlugin } from '../../plugins/call-plugin.js';
import { abortable } from '../abort.js';
import type { SlotOwner } from '../snapshot/snapshot.js';
import { callSlot } from './slot-call.js';
import type { SlotCallOptions } from './slot-call.js';

/** The context engine's hooks: before every model request, and forced compaction. */
export type ContextHook = 'context.beforeRequest' | 'context.compact';

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
  options: SlotCallOptions,
): Promise<ContextResult | undefined> {
  if (owner === undefined) return undefined;
  const { signal } = options;
  return callSlot(
    owner,
    'context engine',
    (plugin) =>
      abortable(
        callPlugin(plugin.sandbox, pluginOp(hook), input, {
          config: plugin.settings,
          // Capabilities the engine uses (memory for the session summary, llm) act for this session and run.
          ...(input.sessionId === undefined
            ? {}
            : {
                context: {
                  sessionId: input.sessionId,
                  ...(input.runId === undefined ? {} : { runId: input.runId }),
                },
              }),
          ...(signal === undefined ? {} : { signal }),
        }),
        signal,
      ),
    options,
  );
}
