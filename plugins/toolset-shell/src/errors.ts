import type { CodesOf, ErrorCatalog } from '@roku/plugin-api';

/** Error codes raised by @roku/plugin-toolset-shell. Codes are API: never renamed or reused. */
export const TOOLS_SHELL_ERRORS = {
  ROKU_SHELL_EMPTY_COMMAND: 'run_command: the command is empty or only whitespace.',
  ROKU_SHELL_NOT_GRANTED:
    'run_command: the command needs a shell (a pipe, ;, &&, a redirection, a glob or $) and the user has not granted shell command lines.',
} as const satisfies ErrorCatalog;

export type ToolsShellErrorCode = keyof typeof TOOLS_SHELL_ERRORS;

declare module '@roku/plugin-api' {
  // Lets `new RokuError(code, …)` accept this catalog's codes, and no misspelling of them.
  interface PluginErrorCodes extends CodesOf<typeof TOOLS_SHELL_ERRORS> {}
}
