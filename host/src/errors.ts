import type { CodesOf, ErrorCatalog } from '@roku/schemas';

/** Error codes raised by @roku/host. Codes are API: never renamed or reused. */
export const HOST_ERRORS = {
  ROKU_CONFIG_INVALID:
    'The host configuration has problems; details.issues lists each with its source and key path.',
  ROKU_CONFIG_NOT_FOUND:
    'A configuration file named explicitly (ROKU_CONFIG_FILE or --config) does not exist.',
  ROKU_CONFIG_MALFORMED: 'The configuration file is not well-formed JSON.',
  ROKU_CONFIG_SECRET_IN_FILE:
    'A plugin setting looks like a secret; secrets come from the environment, never the config file.',
  ROKU_HOME_UNUSABLE:
    'ROKU_HOME cannot be created or written: a file in the way, a folder that cannot be created, no write permission, a read-only or full disk. The message names which, and the fix.',
  ROKU_SMOKE_FAILED:
    'The self-check `roku` (no command) runs could not answer its bootstrap request; the message says which part failed.',
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
  ROKU_SANDBOX_OUTPUT_TOO_DEEP:
    'A plugin returned JSON nested deeper than the sandbox allows (details.limitDepth); refused before parsing.',
  ROKU_SANDBOX_IMPORT_REFUSED:
    'A wasm module imports a function Roku does not provide (an Extism kernel function such as http_request, or WASI); details.imports names each.',
  ROKU_SANDBOX_QUEUE_FULL:
    'A plugin has as many calls waiting for a concurrency slot as sandbox.maxQueuedCalls allows; retry later or raise its concurrency.',
  ROKU_SANDBOX_REVOKED:
    'The plugin was disabled or uninstalled; its calls in flight were ended and it can no longer run.',
  ROKU_MCP_SERVER_FAILED:
    'An MCP server named in mcpServers could not be started or reached, did not complete the handshake, or went away; the message names the server and why.',
  ROKU_MCP_CALL_FAILED:
    'A call to an MCP server tool failed (the server answered an error, timed out, or exited mid-call); the session goes on.',
  ROKU_MCP_TOOL_CHANGED:
    "An MCP server tool's definition (description, input schema, annotations) differs from the one pinned when the user approved it; its calls are blocked until the pin is reset (`roku mcp pins reset`).",
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
  ROKU_CAPABILITY_QUOTA_EXCEEDED:
    'A plugin would hold more than its quota: filesystem bytes or files per root, or key-value keys.',
  ROKU_SQL_ERROR:
    "A plugin's SQL statement failed in SQLite (syntax, constraint, too many rows, several statements in one query); the message is SQLite's.",
  ROKU_SQL_TIMEOUT:
    "A plugin's SQL statement ran past permissions.capabilities.sql.statementTimeoutMs; it was stopped and rolled back.",
  ROKU_SQL_CORRUPT:
    "A plugin's SQL database file is damaged or not a SQLite database; move it away (ROKU_HOME/plugin-sql/<plugin>/main.db) to start over.",
  ROKU_CAPABILITY_RATE_LIMITED:
    'A plugin went over a rate or concurrency limit: log bytes or LLM calls or tokens per minute, HTTP requests in flight.',
  ROKU_INSTALL_LOCKED:
    'Another install, uninstall or enable change holds ROKU_HOME/.install-lock.db and did not finish in time.',
  ROKU_INSTALL_DOWNGRADE:
    'The plan would replace an installed plugin by a lower version and downgrades were not allowed.',
  ROKU_INSTALL_FROZEN_MISMATCH:
    'A frozen install would change roku.lock (or there is none); details.differences lists each change.',
  ROKU_INSTALL_UNTRUSTED:
    'A package is unsigned, signed by a key outside the trust store, or its signature does not verify.',
  ROKU_INSTALL_TAMPERED: 'The archive bytes do not match the integrity digest the registry index lists.',
  ROKU_INSTALL_KEY_CHANGED:
    'An update is signed by a trusted key other than the publisher key the installed plugin is bound to; pass --accept-new-key <id> after checking with the publisher.',
  ROKU_INSTALL_MANIFEST_MISMATCH: "The manifest inside a package's archive differs from the planned one.",
  ROKU_INSTALL_DENIED: 'The user did not grant the permissions a plugin asks for; nothing was installed.',
  ROKU_INSTALL_NOT_INSTALLED: 'The plugin named for uninstall, enable or disable is not installed.',
  ROKU_INSTALL_REQUIRED_BY: 'The plugin cannot be uninstalled because other installed plugins depend on it.',
  ROKU_INSTALL_STATE_INVALID:
    'installed.json or trust.json is malformed, or a plan names a registry that is not configured.',
  ROKU_STORE_CORRUPT:
    'The state database (state/roku.db) is not a SQLite database or fails its integrity check; move it aside to start fresh.',
  ROKU_STORE_LOCKED:
    'Another process holds a write lock on the state database longer than the busy timeout (5 s).',
  ROKU_STORE_NEWER: 'The state database was written by a newer Roku; upgrade Roku or use another ROKU_HOME.',
  ROKU_SESSION_NOT_FOUND: 'No session has that id.',
  ROKU_SESSION_INVALID_ID:
    'A session id must be 1-128 characters of letters, digits, dot, underscore, colon or dash.',
  ROKU_SESSION_INVALID_NAME: 'A session name must be 1-50 characters of text (no control characters).',
  ROKU_SESSION_BUSY:
    'The session already has a run in progress or waiting for approval; wait, or decide the pending ticket.',
  ROKU_RUN_NOT_FOUND: 'No run has that id.',
  ROKU_APPROVAL_NOT_FOUND: 'No approval ticket has that id.',
  ROKU_APPROVAL_ALREADY_DECIDED: 'The approval ticket was already approved, rejected or cancelled.',
  ROKU_APPROVAL_DIGEST_MISMATCH:
    'The call to execute differs from the one approved (digest mismatch); it is refused.',
  ROKU_NO_PROVIDER:
    'No LLM provider plugin is installed and enabled; install one (roku plugin install @roku/plugin-provider-scripted).',
  ROKU_MODEL_NOT_FOUND: 'The requested model is not offered by any loaded provider plugin.',
  ROKU_NO_ELIGIBLE_MODEL: 'No loaded model can take the request (context window, provider breaker open).',
  ROKU_PROVIDER_FAILED:
    'The model request failed after retries; details carry the provider error code and the attempts made.',
  ROKU_PROVIDER_UNAVAILABLE:
    "The provider's circuit breaker is open after repeated failures; it is retried after the cooldown.",
  ROKU_PROVIDER_BAD_OUTPUT: 'A provider plugin returned a response that is not a valid ChatResponse.',
  ROKU_CONTEXT_WINDOW_EXCEEDED: 'The conversation does not fit the model even after compaction.',
  ROKU_STEP_BUDGET_EXHAUSTED: 'The run used its whole step budget (agent.stepBudget) without finishing.',
  ROKU_RECOVERY_BUDGET_EXHAUSTED: 'Too many tool calls failed in one run (agent.recoveryBudget).',
  ROKU_RUN_INTERRUPTED:
    'The run was cancelled (ctrl-C, shutdown) or its process died; the session is consistent.',
  ROKU_RUN_FAILED:
    'The model ended the run with fail, or the run failed for another reason named in the message.',
  ROKU_SNAPSHOT_FAILED:
    'Building the plugin snapshot failed (a plugin failed to load or its health check); the previous snapshot stays in use.',
  ROKU_MEMORY_SLOT_UNAVAILABLE:
    'No memory slot is loaded (its plugin failed or plugins.memorySlot names none), so `roku memory` has nothing to ask.',
  ROKU_SLOT_OWNER_INVALID:
    'The plugin configured for the memory or context-engine slot does not provide that slot.',
} as const satisfies ErrorCatalog;

export type HostErrorCode = keyof typeof HOST_ERRORS;

declare module '@roku/schemas/errors' {
  // Lets `new RokuError(code, …)` accept this catalog's codes, and no misspelling of them.
  interface RokuErrorCodes extends CodesOf<typeof HOST_ERRORS> {}
}
