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
  ROKU_SKILL_UNSUPPORTED_SOURCE:
    'roku skill install was given something it cannot install: not a folder, .zip or .tar.gz, or a URL that is not https (http only on loopback).',
  ROKU_SKILL_DOWNLOAD_FAILED: 'Downloading the skill archive failed (HTTP status, network error or timeout).',
  ROKU_SKILL_ARCHIVE_TOO_LARGE:
    'The skill archive passes a cap: download bytes (ROKU_RUNTIME__SKILLS__MAX_ARCHIVE_BYTES), entries, extracted bytes or expansion ratio (a zip bomb).',
  ROKU_SKILL_ARCHIVE_UNSAFE:
    'The skill archive or folder holds an entry that could write outside the skill folder: an absolute or .. path, a symbolic or hard link, a device, a duplicate name.',
  ROKU_SKILL_ARCHIVE_CORRUPT: 'The skill archive is not a readable .zip or .tar.gz.',
  ROKU_SKILL_INVALID:
    'The source holds no SKILL.md (at its root or in its single top folder), or its front matter has no valid name and description.',
  ROKU_SKILL_EXISTS:
    'A skill of that name is already installed from another source; pass --force to replace it.',
  ROKU_SKILL_NOT_INSTALLED: 'roku skill remove named a skill that is not installed in $ROKU_HOME/skills.',
} as const satisfies ErrorCatalog;

declare module '@roku/schemas/errors' {
  // Lets `new RokuError(code, …)` accept this catalog's codes, and no misspelling of them.
  interface RokuErrorCodes extends CodesOf<typeof CLI_ERRORS> {}
}
