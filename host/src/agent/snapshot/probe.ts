import { RokuError, pluginOp } from '@roku/schemas';
import type { ChatRequest } from '@roku/schemas';
import { answerProblem, callPlugin } from '../../plugins/call-plugin.js';
import type { SnapshotPlugin } from './snapshot.js';

/** A tiny request every context engine must handle; its answer proves the engine works before a swap. */
const PROBE_REQUEST: ChatRequest = {
  model: 'probe',
  messages: [
    { role: 'system', content: 'probe' },
    { role: 'user', content: 'probe' },
  ],
};

/** One call that may fail; a wrong answer (not a failed call) becomes a failed health check. */
async function check(plugin: SnapshotPlugin, call: () => Promise<unknown>): Promise<void> {
  try {
    await call();
  } catch (err) {
    const answer = answerProblem(err);
    if (answer === undefined) throw err;
    throw new RokuError('ROKU_SNAPSHOT_FAILED', `${plugin.manifest.id}: health check failed: ${answer}`);
  }
}

/**
 * Health check of a fresh plugin's slots before it joins a snapshot: one real call each, its answer checked
 * like every answer of that slot.
 *
 * @throws ROKU_SNAPSHOT_FAILED on a wrong answer; the call's own error when it fails
 */
export async function probeSlots(plugin: SnapshotPlugin): Promise<void> {
  const c = plugin.manifest.contributes;
  const options = { config: plugin.settings };
  if (c.contextEngine !== undefined) {
    const input = { request: PROBE_REQUEST, contextWindow: 200_000, compactThresholdRatio: 0.75 };
    await check(plugin, () => callPlugin(plugin.sandbox, pluginOp('context.beforeRequest'), input, options));
  }
  if (c.memorySlot !== undefined) {
    const input = { sessionId: '__health__', query: '', limit: 1 };
    await check(plugin, () => callPlugin(plugin.sandbox, pluginOp('memory.recall'), input, options));
  }
}
