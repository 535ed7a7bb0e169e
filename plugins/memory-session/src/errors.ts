import type { CodesOf, ErrorCatalog } from '@roku/plugin-api';

/** Error codes raised by @roku/plugin-memory-session. Codes are API: never renamed or reused. */
export const MEMORY_SESSION_ERRORS = {
  ROKU_MEMORY_SESSION_REQUIRED: 'A memory operation came without a sessionId; session memory needs one.',
  ROKU_MEMORY_BAD_RECORD:
    'A record to write is not { text, id?, tags? } with a string text, an id of at most 128 characters and string tags.',
  ROKU_MEMORY_TEXT_TOO_LONG: 'A record to write has a text longer than 8192 characters; nothing was written.',
  ROKU_MEMORY_STORAGE_FULL:
    'The memory storage quota (limits.storageBytes) is used up even after dropping older sessions and records.',
} as const satisfies ErrorCatalog;

export type MemorySessionErrorCode = keyof typeof MEMORY_SESSION_ERRORS;

declare module '@roku/plugin-api' {
  // Lets `new RokuError(code, …)` accept this catalog's codes, and no misspelling of them.
  interface PluginErrorCodes extends CodesOf<typeof MEMORY_SESSION_ERRORS> {}
}
