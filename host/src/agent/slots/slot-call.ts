import type { Logger } from 'pino';
import type { LoopEventInput } from '../../events/loop-events.js';
import { asRokuError } from '../abort.js';
import type { SlotOwner, SnapshotPlugin } from '../snapshot/snapshot.js';

/** The exclusive slots whose owner falls back to a bundled default. */
export type SlotLabel = 'memory slot' | 'context engine';

/** The event that says a slot owner failed and who answered instead. */
export type FallbackEvent = Extract<LoopEventInput, { type: 'PluginFallback' }>;

export interface SlotCallOptions {
  readonly logger: Logger;
  /** Aborts waiting for the slot (ROKU_RUN_INTERRUPTED); an interruption never falls back. */
  readonly signal?: AbortSignal | undefined;
  /** Told when the owner failed (the loop reports it as a `PluginFallback` event). */
  readonly onFallback?: (event: FallbackEvent) => void;
}

/**
 * Calls a slot's owner; when it fails, says so and asks the bundled default instead. Resolves to undefined when
 * both fail (or there is no default), so the caller goes on without the slot.
 *
 * @throws ROKU_RUN_INTERRUPTED only
 */
export async function callSlot<T>(
  owner: SlotOwner,
  label: SlotLabel,
  call: (plugin: SnapshotPlugin) => Promise<T>,
  options: SlotCallOptions,
): Promise<T | undefined> {
  try {
    return await call(owner.plugin);
  } catch (err) {
    const error = asRokuError(err);
    if (error.code === 'ROKU_RUN_INTERRUPTED') throw error;
    const fallback = owner.fallback;
    const pluginId = owner.plugin.manifest.id;
    options.logger.warn({ err: error, pluginId }, `${label} failed`);
    const reason = `${error.message} [${error.code}]`;
    if (fallback === undefined || fallback === owner.plugin) {
      options.onFallback?.({
        type: 'PluginFallback',
        slot: label,
        plugin_id: pluginId,
        fallback_id: 'none',
        reason,
      });
      return undefined;
    }
    options.onFallback?.({
      type: 'PluginFallback',
      slot: label,
      plugin_id: pluginId,
      fallback_id: fallback.manifest.id,
      reason,
    });
    try {
      return await call(fallback);
    } catch (err2) {
      const e2 = asRokuError(err2);
      if (e2.code === 'ROKU_RUN_INTERRUPTED') throw e2;
      options.logger.warn({ err: e2, pluginId: fallback.manifest.id }, `default ${label} failed too`);
      return undefined;
    }
  }
}
