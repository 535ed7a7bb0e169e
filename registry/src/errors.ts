import type { CodesOf, ErrorCatalog } from '@roku/schemas';

/** Error codes raised by @roku/registry. Codes are API: never renamed or reused. */
export const REGISTRY_ERRORS = {
  ROKU_REGISTRY_BAD_SPEC: 'A package spec is not <@scope/name>[@<semver range or dist-tag>].',
  ROKU_REGISTRY_BAD_INTEGRITY: "An integrity string is not SRI form 'sha512-<base64>' or 'sha256-<base64>'.",
  ROKU_REGISTRY_INTEGRITY: 'The archive bytes do not match the expected integrity digest.',
  ROKU_REGISTRY_ARCHIVE_CORRUPT: 'The archive is not a well-formed gzipped tar.',
  ROKU_REGISTRY_ARCHIVE_TOO_LARGE:
    'A package has more files, more uncompressed bytes or a higher gzip expansion ratio than the caps allow.',
  ROKU_REGISTRY_UNSAFE_PATH:
    'A package path is absolute, has . or .. segments or backslashes, or leaves the plugin folder (e.g. a symlink).',
  ROKU_REGISTRY_UNSUPPORTED_ENTRY:
    'An archive entry is a symlink, hardlink, device, FIFO or anything else than a regular file or a folder.',
  ROKU_REGISTRY_DUPLICATE_ENTRY:
    'An archive holds the same path twice (compared case-insensitively), or a file where a folder is.',
  ROKU_REGISTRY_MANIFEST_MISSING: 'A plugin folder or archive has no roku.plugin.json at its root.',
  ROKU_REGISTRY_MANIFEST_INVALID: 'The roku.plugin.json of a plugin folder or archive fails validation.',
  ROKU_REGISTRY_ENTRY_MISSING:
    'The runtime entry file named by the manifest is not in the plugin folder or archive.',
  ROKU_REGISTRY_DEST_EXISTS: 'The folder an archive is to be extracted into already exists.',
  ROKU_REGISTRY_BAD_KEY: "A signing key is not 'ed25519:<base64 of 32 bytes>' or not an Ed25519 private key.",
  ROKU_REGISTRY_UNSIGNED: 'A package has no signature and unsigned packages are not allowed.',
  ROKU_REGISTRY_UNKNOWN_SIGNER: 'A package is signed by a key that is not among the trusted keys.',
  ROKU_REGISTRY_BAD_SIGNATURE:
    'A package signature does not verify against the package contents and the signer key.',
  ROKU_REGISTRY_MANIFEST_MISMATCH:
    'The manifest inside an archive differs from the one the registry index lists.',
  ROKU_REGISTRY_INDEX_UNSIGNED:
    'An index document is unsigned, signed by a key that is not one of the registry index keys, or its signature does not verify.',
  ROKU_REGISTRY_INDEX_EXPIRED:
    'A signed index document is past its expiry (a mirror serving stale metadata) or claims to be issued in the future.',
  ROKU_REGISTRY_INDEX_INVALID:
    'A registry index document is malformed: a field is missing, has the wrong type or contradicts another.',
  ROKU_REGISTRY_NOT_FOUND:
    'The plugin (or version, or archive) is not in the registry that serves its scope.',
  ROKU_REGISTRY_VERSION_EXISTS: 'The version is already published; published versions are immutable.',
  ROKU_REGISTRY_NO_MATCH:
    'No published, non-yanked version matches the range, or the dist-tag does not exist.',
  ROKU_REGISTRY_CONFLICT: 'Two or more requests for one plugin ask for ranges no single version satisfies.',
  ROKU_REGISTRY_ENGINE_MISMATCH:
    "No version matching the request declares an engines.roku range that accepts the host's plugin-API version.",
  ROKU_REGISTRY_CYCLE: 'Plugin dependencies form a cycle.',
  ROKU_REGISTRY_BAD_SOURCES:
    'The registries given to resolution are empty, share a name, or two of them claim the same scope.',
  ROKU_REGISTRY_LOCK_INVALID: 'roku.lock is not valid JSON or does not match the lockfile schema.',
  ROKU_REGISTRY_LOCK_MISMATCH: 'An install with --frozen would change roku.lock.',
  ROKU_REGISTRY_UNAUTHORIZED: 'A registry publish request carries no Authorization: Bearer token.',
  ROKU_REGISTRY_FORBIDDEN: 'The publish token is not one the registry server accepts.',
  ROKU_REGISTRY_BAD_REQUEST:
    'A registry request is malformed: a body field is missing or has the wrong type, or the body is not JSON.',
  ROKU_REGISTRY_REQUEST_TOO_LARGE: 'A registry request body is larger than the server accepts.',
  ROKU_REGISTRY_SERVER_ERROR: 'The registry server failed on a request; its log has the cause.',
  ROKU_REGISTRY_DOWNLOAD_FAILED:
    'A download from a registry broke off: timed out, stalled mid-body, or the server answered an unexpected status.',
  ROKU_REGISTRY_UNAVAILABLE: 'A registry could not be reached or kept answering 5xx after every retry.',
} as const satisfies ErrorCatalog;

declare module '@roku/schemas/errors' {
  // Lets `new RokuError(code, …)` accept this catalog's codes, and no misspelling of them.
  interface RokuErrorCodes extends CodesOf<typeof REGISTRY_ERRORS> {}
}
