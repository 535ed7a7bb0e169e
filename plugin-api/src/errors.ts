import type { CodesOf, ErrorCatalog } from '@roku/schemas';
import type { PluginErrorCodes } from './index.js';

/** Error codes raised by @roku/plugin-api. Codes are API: never renamed or reused. */
export const PLUGIN_API_ERRORS = {
  ROKU_PLUGIN_DEFINITION_INVALID:
    'definePlugin/defineTool received a definition that does not match its declared shape.',
  ROKU_PLUGIN_BUILD_FAILED:
    'roku-plugin build could not build the plugin; the message lists each compiler error with file, line and column.',
  ROKU_PLUGIN_NO_SUCH_OP: 'The host called an operation the plugin does not implement.',
  ROKU_PROVIDER_STATE_LOST:
    'A continued provider request (`since`) names messages this realm no longer holds (a new realm): the host sends the whole request again.',
} as const satisfies ErrorCatalog;

declare module '@roku/schemas/errors' {
  // Lets `new RokuError(code, …)` accept this catalog's codes and those plugins add to PluginErrorCodes.
  interface RokuErrorCodes extends CodesOf<typeof PLUGIN_API_ERRORS>, PluginErrorCodes {}
}
