import type { CodesOf, ErrorCatalog } from '@roku/plugin-api';

/** Error codes raised by @roku/plugin-memory-sqlite. Codes are API: never renamed or reused. */
export const MEMORY_SQLITE_ERRORS = {
  ROKU_MEMORY_SESSION_REQUIRED:
    'A memory operation came without a sessionId; every op needs the session it acts for.',
  ROKU_MEMORY_BAD_RECORD:
    'A record to write is not { text, id?, tags?, scope?, importance? } with a string text of at most 8192 characters.',
  ROKU_MEMORY_DATABASE_CORRUPT:
    'The memory database is damaged; move ROKU_HOME/plugin-sql/<plugin>/main.db away to start over (nothing is deleted for you).',
  ROKU_MEMORY_DATABASE_FULL:
    'The memory database reached its size quota (permissions.capabilities.sql.maxBytes); delete records or raise the grant.',
  ROKU_MEMORY_DATABASE_FAILED:
    'The memory database refused or failed a statement; the message says which and why.',
} as const satisfies ErrorCatalog;

export type MemorySqliteErrorCode = keyof typeof MEMORY_SQLITE_ERRORS;

declare module '@roku/plugin-api' {
  // Lets `new RokuError(code, …)` accept this catalog's codes, and no misspelling of them.
  interface PluginErrorCodes extends CodesOf<typeof MEMORY_SQLITE_ERRORS> {}
}
