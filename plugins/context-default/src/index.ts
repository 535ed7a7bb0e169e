import { defineContextEngine, definePlugin } from '@roku/plugin-api';
import type { ContextInput, ContextResult, PluginContext } from '@roku/plugin-api';
import { runEngine } from './run.js';
import { readSettings } from './settings.js';
import { withSessionState } from './session-state.js';

export { CONTEXT_DEFAULT_ERRORS } from './errors.js';
export type { ContextDefaultErrorCode } from './errors.js';
export { CLEARED_TOOL_RESULT } from './microcompact.js';
export { SUMMARY_HEADER } from './summary.js';
export { SUMMARIZE_REQUEST, SUMMARY_SECTIONS } from './llm-summary.js';

const beforeRequest = (input: ContextInput, ctx: PluginContext): Promise<ContextResult> =>
  withSessionState(input, (whole) => runEngine(whole, readSettings(ctx.config), ctx));

/** `/compact` and reactive compaction after a context-window error: every layer, regardless of pressure. */
const compact = (input: ContextInput, ctx: PluginContext): Promise<ContextResult> =>
  withSessionState(input, (whole) => runEngine({ ...whole, force: true }, readSettings(ctx.config), ctx));

/**
 * The `default` context engine: microcompaction, the session-summary splice or mechanical collapse, and at high
 * water an LLM summary (when enabled, with a breaker) or the mechanical compaction.
 */
export default definePlugin({
  contextEngine: defineContextEngine({ name: 'default', beforeRequest, compact }),
});
