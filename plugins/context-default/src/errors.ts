import type { CodesOf, ErrorCatalog } from '@roku/plugin-api';

/** Error codes raised by @roku/plugin-context-default. Codes are API: never renamed or reused. */
export const CONTEXT_DEFAULT_ERRORS = {
  ROKU_COMPACTION_BAD_INPUT:
    'The context-engine input has no request with a messages array, or no positive contextWindow.',
  ROKU_COMPACTION_BAD_SETTINGS: 'The context engine settings are not an object of the documented numbers.',
  ROKU_CONTEXT_STATE_LOST:
    'An incremental input (`since`) names session state this realm does not hold (a new realm): the host sends the whole request again.',
} as const satisfies ErrorCatalog;

export type ContextDefaultErrorCode = keyof typeof CONTEXT_DEFAULT_ERRORS;

declare module '@roku/plugin-api' {
  // Lets `new RokuError(code, …)` accept this catalog's codes, and no misspelling of them.
  interface PluginErrorCodes extends CodesOf<typeof CONTEXT_DEFAULT_ERRORS> {}
}
