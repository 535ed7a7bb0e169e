import type { CodesOf, ErrorCatalog } from '@roku/plugin-api';

/** Error codes raised by @roku/plugin-toolset-fs. Codes are API: never renamed or reused. */
export const TOOLS_FS_ERRORS = {
  ROKU_WORKSPACE_ABSOLUTE_PATH:
    'A path is absolute (/…, C:…, ~…); the file tools take paths relative to the workspace.',
  ROKU_WORKSPACE_PARENT_PATH:
    "A path has a '..' segment; the file tools only reach files inside the workspace.",
  ROKU_WORKSPACE_BAD_PATH:
    'A path is empty where a file is needed, uses backslashes or contains a NUL character.',
  ROKU_WORKSPACE_BINARY_FILE:
    'The file holds NUL bytes: it is binary, and the file tools read and append text only.',
  ROKU_WORKSPACE_FILE_TOO_LARGE: 'The file is larger than the 4 MiB the file tools can open.',
  ROKU_WORKSPACE_EDIT_NOT_FOUND:
    'edit_file: the text to replace does not occur in the file (exactly, whitespace included).',
  ROKU_WORKSPACE_EDIT_AMBIGUOUS:
    'edit_file: the text to replace occurs more than once and replaceAll is not set; add context to make it unique.',
  ROKU_WORKSPACE_EDIT_NO_CHANGE: 'edit_file: the replacement is the same as the text it replaces, or empty.',
  ROKU_WORKSPACE_BAD_PATTERN:
    'A glob or regular expression is invalid or uses a feature the tools do not support.',
  ROKU_WORKSPACE_BAD_RANGE: 'A read range is invalid: a start after its end, or past the end of the file.',
} as const satisfies ErrorCatalog;

export type ToolsFsErrorCode = keyof typeof TOOLS_FS_ERRORS;

declare module '@roku/plugin-api' {
  // Lets `new RokuError(code, …)` accept this catalog's codes, and no misspelling of them.
  interface PluginErrorCodes extends CodesOf<typeof TOOLS_FS_ERRORS> {}
}
