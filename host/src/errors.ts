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
  ROKU_PLUGIN_MANIFEST_INVALID:
    "A plugin folder's roku.plugin.json is missing or invalid; details.issues lists each problem.",
  ROKU_SANDBOX_TIMEOUT: 'A plugin call exceeded its CPU-time or wall-clock limit; the sandbox was stopped.',
  ROKU_SANDBOX_OOM: 'A plugin exceeded its memory limit; its sandbox was disposed.',
  ROKU_SANDBOX_CRASHED:
    'The sandbox runner process died during the call (V8 abort, OS memory cap, or a kill).',
  ROKU_SANDBOX_OUTPUT_TOO_LARGE: 'A plugin returned, logged or emitted more bytes than its limit allows.',
  ROKU_SANDBOX_BAD_OUTPUT: 'A plugin returned something that is not the JSON the plugin ABI requires.',
  ROKU_SANDBOX_LOAD_FAILED:
    'A plugin could not be loaded: its entry is missing or fails to compile, instantiate or describe itself.',
  ROKU_SANDBOX_DESCRIPTION_MISMATCH:
    "What a plugin's code implements differs from what its manifest declares.",
  ROKU_SANDBOX_UNKNOWN_OP:
    'The host asked a plugin for an operation (tool, provider, slot) its manifest does not declare.',
  ROKU_SANDBOX_BUSY: 'A plugin already runs as many calls as its concurrency limit allows.',
  ROKU_SANDBOX_QUARANTINED: 'A plugin failed repeatedly and is quarantined until a user re-enables it.',
  ROKU_SANDBOX_UNLOADED: 'The plugin was unloaded (or the host shut down) while the call was pending.',
  ROKU_PLUGIN_FAILED:
    'A plugin raised an error; details name the plugin, version, operation and its own code.',
  ROKU_TOOL_OUTPUT_INVALID: "A tool's result does not match the output schema its manifest declares.",
  ROKU_CAPABILITY_DENIED:
    'A plugin asked for something its manifest does not grant (host, path, env, secret or capability).',
  ROKU_CAPABILITY_LIMIT:
    'A plugin exceeded a capability quota: HTTP requests or bytes, storage, log rate or message size.',
  ROKU_CAPABILITY_FAILED: 'A granted capability failed upstream (DNS, connection, HTTP or filesystem error).',
  ROKU_CAPABILITY_UNAVAILABLE:
    'The capability is granted but this host has no implementation wired for it yet.',
  ROKU_CAPABILITY_BAD_REQUEST:
    'A capability request is malformed: unknown operation or arguments of the wrong shape.',
  ROKU_INSTALL_LOCKED:
    'Another install, uninstall or enable change holds ROKU_HOME/.install.lock and did not finish in time.',
  ROKU_INSTALL_DOWNGRADE:
    'The plan would replace an installed plugin by a lower version and downgrades were not allowed.',
  ROKU_INSTALL_FROZEN_MISMATCH:
    'A frozen install would change roku.lock (or there is none); details.differences lists each change.',
  ROKU_INSTALL_UNTRUSTED:
    'A package is unsigned, signed by a key outside the trust store, or its signature does not verify.',
  ROKU_INSTALL_TAMPERED: 'The archive bytes do not match the integrity digest the registry index lists.',
  ROKU_INSTALL_MANIFEST_MISMATCH: "The manifest inside a package's archive differs from the planned one.",
  ROKU_INSTALL_DENIED: 'The user did not grant the permissions a plugin asks for; nothing was installed.',
  ROKU_INSTALL_NOT_INSTALLED: 'The plugin named for uninstall, enable or disable is not installed.',
  ROKU_INSTALL_REQUIRED_BY: 'The plugin cannot be uninstalled because other installed plugins depend on it.',
  ROKU_INSTALL_STATE_INVALID:
    'installed.json or trust.json is malformed, or a plan names a registry that is not configured.',
} as const satisfies ErrorCatalog;

export type HostErrorCode = keyof typeof HOST_ERRORS;
