import type { ErrorCatalog } from '@roku/schemas';

/** Error codes raised by @roku/host. Codes are API: never renamed or reused. */
export const HOST_ERRORS = {
  ROKU_CONFIG_INVALID:
    'The host configuration has problems; details.issues lists each with its source and key path.',
  ROKU_CONFIG_NOT_FOUND:
    'A configuration file named explicitly (ROKU_CONFIG_FILE or --config) does not exist.',
  ROKU_CONFIG_MALFORMED: 'The configuration file is not well-formed JSON.',
  ROKU_CONFIG_SECRET_IN_FILE:
    'A plugin setting looks like a secret; secrets come from the environment, never the config file.',
  ROKU_HOME_UNUSABLE: 'ROKU_HOME cannot be created or written.',
} as const satisfies ErrorCatalog;

export type HostErrorCode = keyof typeof HOST_ERRORS;
