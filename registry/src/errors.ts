import type { ErrorCatalog } from '@roku/schemas';

/** Error codes raised by @roku/registry. Codes are API: never renamed or reused. */
export const REGISTRY_ERRORS = {
  ROKU_REGISTRY_BAD_SPEC: 'A package spec is not <@scope/name>[@<semver range or dist-tag>].',
} as const satisfies ErrorCatalog;
