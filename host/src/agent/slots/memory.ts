import { pluginOp } from '@roku/schemas';
import { RokuError } from '@roku/schemas';
import type { MemoryRecord, PluginOp, PluginOpInput, PluginOpResult } from '@roku/schemas';
import { callPlugin } from '../../plugins/call-plugin.js';
import { abortable } from '../abort.js';
import type { SlotOwner } from '../snapshot/snapshot.js';
import { callSlot } from './slot-call.js';
import type { SlotCallOptions } from './slot-call.js';

/** The input with the workspace the slot serves, for workspace-scoped records. */
function scoped<T extends { sessionId: string }>(owner: SlotOwner, input: T): T {
  return owner.workspaceId === undefined ? input : { ...input, workspaceId: owner.workspaceId };
}

/** Memory ops the user drives from the CLI (`roku memory …`). */
export type MemoryAdminOp = 'memory.recall' | 'memory.write' | 'memory.forget' | 'memory.list';

/**
 * Runs a memory op on the slot's owner for the user, with no fallback: the user asked this slot, so its
 * failure (a corrupt or full database) is the answer. Records are checked like the loop's.
 *
 * @throws ROKU_PLUGIN_FAILED (with the plugin's code), ROKU_SANDBOX_*, ROKU_PLUGIN_OUTPUT_INVALID
 */
export async function memoryAdmin<K extends MemoryAdminOp>(
  slot: {
    readonly owner: SlotOwner | undefined;
    /** plugins.memorySlot; empty for the default. */
    readonly configured: string;
    /** Plugins left out of the snapshot, with why. */
    readonly problems: readonly { readonly id: string; readonly problem?: string }[];
  },
  op: K,
  input: PluginOpInput<K>,
): Promise<{ pluginId: string; result: PluginOpResult<K> }> {
  const { owner, configured } = slot;
  if (owner === undefined || (configured !== '' && owner.plugin.manifest.id !== configured)) {
    // The user asked the configured slot: answering from the default instead would hide why it is gone.
    const problem = slot.problems.find((p) => p.id === configured)?.problem;
    throw new RokuError(
      'ROKU_MEMORY_SLOT_UNAVAILABLE',
      `the memory slot ${configured === '' ? '' : `${configured} `}is not loaded${problem === undefined ? '' : `: ${problem}`}`,
    );
  }
  const { plugin } = owner;
  // Memory ops are not named, so the op string is the kind's alone.
  const opName = (pluginOp as (kind: K) => PluginOp<K>)(op);
  const result = await callPlugin(plugin.sandbox, opName, scoped(owner, input), { config: plugin.settings });
  return { pluginId: plugin.manifest.id, result };
}

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
        callPlugin(plugin.sandbox, pluginOp('memory.recall'), scoped(owner, input), {
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
        callPlugin(plugin.sandbox, pluginOp('memory.write'), scoped(owner, input), {
          config: plugin.settings,
        }),
        options.signal,
      ),
    options,
  );
}
