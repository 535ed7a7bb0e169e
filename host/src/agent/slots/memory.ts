import { pluginOp } from '@roku/schemas';
import type { MemoryRecord, PluginOpInput } from '@roku/schemas';
import { callPlugin } from '../../plugins/call-plugin.js';
import { abortable } from '../abort.js';
import type { SlotOwner } from '../snapshot/snapshot.js';
import { callSlot } from './slot-call.js';
import type { SlotCallOptions } from './slot-call.js';

/**
 * Recalls records from the memory slot (its owner, else the bundled default). Every record is checked;
 * invalid ones are dropped with a warning. Empty when there is no slot or both owners fail.
 *
 * @throws ROKU_RUN_INTERRUPTED only
 */
export async function recallMemory(
  owner: SlotOwner | undefined,
  input: PluginOpInput<'memory.recall'>,
  options: SlotCallOptions,
): Promise<MemoryRecord[]> {
  if (owner === undefined) return [];
  const records = await callSlot(
    owner,
    'memory slot',
    (plugin) =>
      abortable(
        callPlugin(plugin.sandbox, pluginOp('memory.recall'), input, {
          config: plugin.settings,
          onDropped: (problem) => {
            options.logger.warn({ pluginId: plugin.manifest.id, problem }, 'recalled memory record dropped');
          },
        }),
        options.signal,
      ),
    options,
  );
  return records ?? [];
}

/** Writes records to the memory slot (its owner, else the bundled default); a failure is logged, not thrown. */
export async function writeMemory(
  owner: SlotOwner | undefined,
  input: PluginOpInput<'memory.write'>,
  options: SlotCallOptions,
): Promise<void> {
  if (owner === undefined) return;
  await callSlot(
    owner,
    'memory slot',
    (plugin) =>
      abortable(
        callPlugin(plugin.sandbox, pluginOp('memory.write'), input, { config: plugin.settings }),
        options.signal,
      ),
    options,
  );
}
