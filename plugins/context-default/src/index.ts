import { defineContextEngine, definePlugin } from '@roku/plugin-api';
import type { ContextInput, ContextResult, PluginContext } from '@roku/plugin-api';
import { runLayers } from './engine.js';
import { readSettings } from './settings.js';
import { withSessionState } from './session-state.js';

export { CONTEXT_DEFAULT_ERRORS } from './errors.js';
export type { ContextDefaultErrorCode } from './errors.js';
export { CLEARED_TOOL_RESULT } from './microcompact.js';
export { SUMMARY_HEADER } from './summary.js';

const beforeRequest = (input: ContextInput, ctx: PluginContext): ContextResult =>
  withSessionState(input, (whole) => runLayers(whole, readSettings(ctx.config)));

/** `/compact` and reactive compaction after a context-window error: every layer, regardless of pressure. */
const compact = (input: ContextInput, ctx: PluginContext): ContextResult =>
  withSessionState(input, (whole) => runLayers({ ...whole, force: true }, readSettings(ctx.config)));

/** The `default` context engine: microcompaction, mechanical collapse and compaction, no LLM calls. */
export default definePlugin({
  contextEngine: defineContextEngine({ name: 'default', beforeRequest, compact }),
});
