import type { ErrorCatalog } from '@roku/schemas';

/** Error codes raised by @roku/plugin-api. Codes are API: never renamed or reused. */
export const PLUGIN_API_ERRORS = {
  ROKU_PLUGIN_DEFINITION_INVALID:
    'definePlugin/defineTool received a definition that does not match its declared shape.',
  ROKU_PLUGIN_BUILD_FAILED:
    'roku-plugin build could not build the plugin; the message lists each compiler error with file, line and column.',
  ROKU_PLUGIN_NO_SUCH_OP: 'The host called an operation the plugin does not implement.',
} as const satisfies ErrorCatalog;
