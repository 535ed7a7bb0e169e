import type { CodesOf, ErrorCatalog } from '@roku/plugin-api';

/** Error codes raised by @roku/plugin-toolset-web. Codes are API: never renamed or reused. */
export const TOOLS_WEB_ERRORS = {
  ROKU_WEB_BAD_URL: 'fetch_url: the URL is not a valid http or https URL.',
  ROKU_WEB_UNSUPPORTED_TYPE:
    'fetch_url: the response is not text (HTML, plain text, JSON or XML), e.g. an image, a PDF or an archive.',
} as const satisfies ErrorCatalog;

export type ToolsWebErrorCode = keyof typeof TOOLS_WEB_ERRORS;

declare module '@roku/plugin-api' {
  // Lets `new RokuError(code, …)` accept this catalog's codes, and no misspelling of them.
  interface PluginErrorCodes extends CodesOf<typeof TOOLS_WEB_ERRORS> {}
}
