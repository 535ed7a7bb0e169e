import type { PluginContext } from '@roku/plugin-api';

/** The tag of a session's summary in the memory slot (memory-sqlite keeps one per session). */
export const SESSION_SUMMARY_TAG = 'session-summary';

/**
 * The session's summary from the memory slot (`capabilities.memory`), or undefined when there is none or the
 * slot cannot be asked. Only a record tagged as a summary counts, whatever else the slot's search returns.
 */
export async function readSessionSummary(ctx: PluginContext): Promise<string | undefined> {
  try {
    const records = await ctx.memory.recall(`tag:${SESSION_SUMMARY_TAG}`, 4);
    const found = records.find((r) => r.tags?.includes(SESSION_SUMMARY_TAG) === true && r.text.trim() !== '');
    return found?.text;
  } catch (err) {
    ctx.log.debug('no session summary from the memory slot', err);
    return undefined;
  }
}

/** Keeps a summary as the session's, for a later L2 splice; a failure is logged, not thrown. */
export async function writeSessionSummary(ctx: PluginContext, text: string): Promise<void> {
  try {
    // Memory slots keep texts of at most 8192 characters.
    await ctx.memory.write([{ text: text.slice(0, 8000), tags: [SESSION_SUMMARY_TAG] }]);
  } catch (err) {
    ctx.log.debug('session summary not kept in the memory slot', err);
  }
}
