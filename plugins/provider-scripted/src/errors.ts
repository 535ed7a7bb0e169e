import type { CodesOf, ErrorCatalog } from '@roku/plugin-api';

/** Error codes raised by @roku/plugin-provider-scripted itself. Codes are API: never renamed or reused. */
export const SCRIPTED_ERRORS = {
  ROKU_SCRIPTED_BAD_SETTINGS:
    'The plugin settings are not usable: a script step has an invalid match pattern, error code or shape.',
  ROKU_SCRIPTED_UNEXPECTED_REQUEST:
    'Strict mode: no script step is due for the request (the error names its user message and model call).',
} as const satisfies ErrorCatalog;

/**
 * Scripted errors a step asks for are thrown as ProviderError with a PROVIDER_* code (see README); this catalog
 * only holds the plugin's own faults.
 */
export type ScriptedErrorCode = keyof typeof SCRIPTED_ERRORS;

declare module '@roku/plugin-api' {
  // Lets `new RokuError(code, …)` accept this catalog's codes, and no misspelling of them.
  interface PluginErrorCodes extends CodesOf<typeof SCRIPTED_ERRORS> {}
}
