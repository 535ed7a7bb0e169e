import type { ErrorCatalog } from '@roku/schemas';

/** Error codes raised by @roku/plugin-api. Codes are API: never renamed or reused. */
export const PLUGIN_API_ERRORS = {
  ROKU_PLUGIN_DEFINITION_INVALID:
    'definePlugin/defineTool received a definition that does not match its declared shape.',
} as const satisfies ErrorCatalog;
