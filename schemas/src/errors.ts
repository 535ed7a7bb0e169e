import type { CodesOf, ErrorCatalog } from './roku-error.js';

/** Error codes raised by @roku/schemas. Codes are API: never renamed or reused. */
export const SCHEMAS_ERRORS = {
  ROKU_MANIFEST_TOO_LARGE: 'The manifest file is larger than the 256 KiB cap.',
  ROKU_MANIFEST_JSON_MALFORMED: 'The manifest is not well-formed JSON.',
  ROKU_MANIFEST_UNKNOWN_FIELD: 'The manifest has a field the schema does not define.',
  ROKU_MANIFEST_MISSING_FIELD: 'A required manifest field is missing.',
  ROKU_MANIFEST_WRONG_TYPE: 'A manifest field has the wrong JSON type.',
  ROKU_MANIFEST_BAD_VALUE: 'A manifest field has a value outside what the schema allows.',
  ROKU_MANIFEST_BAD_ID: 'The plugin id (or a dependency id) is not a scoped id like @scope/name.',
  ROKU_MANIFEST_BAD_VERSION: 'The plugin version is not a valid semantic version.',
  ROKU_MANIFEST_BAD_RANGE: 'A semver range (engines.roku or a dependency) cannot be parsed.',
  ROKU_MANIFEST_BAD_NETWORK_PATTERN:
    'A network permission is not scheme://host[:port]: it has a path, query, credentials or a bad host or port.',
  ROKU_MANIFEST_BAD_PATH: 'A path is absolute, contains .. or is otherwise not a plain relative path.',
  ROKU_MANIFEST_DUPLICATE_NAME: 'Two contributions of the same kind share a name.',
  ROKU_MANIFEST_BAD_JSON_SCHEMA:
    'A tool input/output schema or the config schema is not a valid, self-contained JSON Schema.',
  ROKU_MANIFEST_ENTRY_MISMATCH: "The runtime entry's file extension does not match the runtime type.",
  ROKU_MANIFEST_SELF_DEPENDENCY: 'A plugin lists itself among its dependencies.',
  ROKU_CONFIG_UNKNOWN_KEY:
    'The host configuration (file or ROKU_CONFIG__ variable) names a key the schema does not define.',
  ROKU_CONFIG_BAD_VALUE: 'A host configuration value has the wrong type or is out of range.',
  ROKU_JSON_MALFORMED: 'Untrusted JSON is not well-formed (named by JSON pointer, line and column).',
  ROKU_JSON_DUPLICATE_KEY:
    'Untrusted JSON has an object with the same key twice, which readers would take to mean different things.',
  ROKU_JSON_BAD_NUMBER:
    'Untrusted JSON has a number that would not survive as written: non-finite (1e309), an integer beyond 2^53, an underflow to 0 or an oversized literal.',
  ROKU_JSON_TOO_DEEP: 'Untrusted JSON nests arrays and objects deeper than the reader allows.',
} as const satisfies ErrorCatalog;

export type SchemasErrorCode = keyof typeof SCHEMAS_ERRORS;

declare module './roku-error.js' {
  // Makes the catalog's codes the ones `new RokuError(code, …)` accepts (see RokuErrorCodes).
  interface RokuErrorCodes extends CodesOf<typeof SCHEMAS_ERRORS> {}
}
