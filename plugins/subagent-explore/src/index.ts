import { definePlugin, defineSubagentRuntime } from '@roku/plugin-api';
import { explore } from './explore.js';

/** The `explore` sub-agent runtime: read-only exploration of the workspace on its own step budget. */
export default definePlugin({
  subagentRuntimes: [defineSubagentRuntime({ name: 'explore', run: explore })],
});
