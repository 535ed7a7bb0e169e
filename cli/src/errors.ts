import type { CodesOf, ErrorCatalog } from '@roku/schemas';

/** Error codes raised by the roku CLI. Codes are API: never renamed or reused. */
export const CLI_ERRORS = {
  ROKU_CLI_USAGE: 'The command line is wrong: unknown command or option, or a missing argument. Exit code 2.',
  ROKU_CLI_NOT_FOUND: 'A path given on the command line does not exist or has no roku.plugin.json.',
  ROKU_CLI_INTERNAL:
    'An unexpected failure inside the CLI (a bug); rerun with ROKU_DEBUG=1 for the stack trace.',
  ROKU_CLI_MANIFEST_INVALID:
    "The plugin folder's roku.plugin.json is invalid (each problem listed with its path); fix it and run the command again.",
  ROKU_MEMORY_NOT_FOUND:
    'No memory record has the id given to roku memory show or delete; nothing was changed.',
  ROKU_CLI_LISTEN_FAILED:
    'The server cannot listen on the address and port given (in use by another process, or not permitted).',
  ROKU_CLI_AUTH_FILE_INVALID:
    '$ROKU_HOME/auth.json is not valid JSON or not the expected shape; fix it or remove it and set the secrets again.',
  ROKU_CLI_AUTH_NOT_FOUND: '`roku auth remove` named a secret that is not stored in $ROKU_HOME/auth.json.',
} as const satisfies ErrorCatalog;

declare module '@roku/schemas/errors' {
  // Lets `new RokuError(code, …)` accept this catalog's codes, and no misspelling of them.
  interface RokuErrorCodes extends CodesOf<typeof CLI_ERRORS> {}
}
