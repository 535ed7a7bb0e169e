/** Error codes raised by @roku/plugin-context-default. Codes are API: never renamed or reused. */
export const CONTEXT_DEFAULT_ERRORS = {
  ROKU_COMPACTION_BAD_INPUT:
    'The context-engine input has no request with a messages array, or no positive contextWindow.',
  ROKU_COMPACTION_BAD_SETTINGS: 'The context engine settings are not an object of the documented numbers.',
} as const satisfies Readonly<Record<`ROKU_${string}`, string>>;

export type ContextDefaultErrorCode = keyof typeof CONTEXT_DEFAULT_ERRORS;
