import type { CodesOf, ErrorCatalog } from '@roku/schemas';

/** Error codes raised by @roku/plugin-testing. Codes are API: never renamed or reused. */
export const PLUGIN_TESTING_ERRORS = {
  ROKU_CONFORMANCE_FAILED:
    "A plugin failed a check of its kind's conformance suite; the report says what the plugin did and what to fix.",
  ROKU_CONFORMANCE_PROFILE_INVALID:
    "The plugin folder's roku.conformance.json is not a JSON object of { settings?, tool?, provider? }; fix the file it names.",
} as const satisfies ErrorCatalog;

declare module '@roku/schemas/errors' {
  // Lets `new RokuError(code, …)` accept this catalog's codes, and no misspelling of them.
  interface RokuErrorCodes extends CodesOf<typeof PLUGIN_TESTING_ERRORS> {}
}
