// Generated from json/host-config.schema.json by scripts/generate-types.ts. Do not edit; run `pnpm generate`.

/**
 * Roku host configuration ($ROKU_HOME/config.json, or the file named by ROKU_CONFIG or --config). Every key is optional; environment variables ROKU_CONFIG__<SECTION>__<KEY> override the file. Secrets never go here: they come from the environment.
 */
export interface HostConfig {
  /**
   * Optional URI of this schema, for editors.
   */
  $schema?: string;
  /**
   * Logging.
   */
  log?: {
    /**
     * Least severe level written.
     */
    level?: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
    /**
     * JSON log lines go to this file (relative paths are resolved against ROKU_HOME); the terminal gets one readable line per distinct warning or error. Empty: no log file. With --log-format json (or ROKU_LOG_FORMAT=json) the JSON lines go to standard error instead.
     */
    file?: string;
    /**
     * Size at which the log file is rotated: renamed to <file>.<time>-<pid>-<n> and a new one started.
     */
    maxFileBytes?: number;
    /**
     * Rotated log files kept beside the current one; older ones are deleted.
     */
    maxFiles?: number;
    /**
     * Extra object paths to redact in logs, on top of the built-in ones (auth headers, secrets, prompts, tool payloads).
     */
    redact?: string[];
  };
  /**
   * Ceilings for every plugin, whatever its manifest asks.
   */
  sandbox?: {
    /**
     * Operating-system memory cap of each sandbox runner process, in MiB.
     */
    runnerMemoryMb?: number;
    /**
     * Largest memory limit a plugin may get, in MiB.
     */
    maxPluginMemoryMb?: number;
    /**
     * Largest CPU time per call a plugin may get, in milliseconds.
     */
    maxCpuMsPerCall?: number;
    /**
     * Largest wall-clock time per call a plugin may get, in milliseconds.
     */
    maxWallMsPerCall?: number;
    /**
     * When a plugin that keeps crashing or timing out is quarantined until a user re-enables it.
     */
    quarantine?: {
      /**
       * Failures within the window that quarantine the plugin; 0 disables quarantine.
       */
      failures?: number;
      /**
       * Length of the window in milliseconds.
       */
      windowMs?: number;
    };
    /**
     * Which plugins share a sandbox runner process: 'publisher' runs each publisher's plugins (the id's @scope) apart from every other publisher's, first-party included; 'plugin' gives every plugin its own runner.
     */
    runnerIsolation?: 'publisher' | 'plugin';
    /**
     * Calls one plugin may have waiting for a free concurrency slot; one more is refused with ROKU_SANDBOX_QUEUE_FULL. The wait counts toward the call's wall-clock limit.
     */
    maxQueuedCalls?: number;
    /**
     * Runner processes one trust group may spread its calls over when its runner is busy (each loads the plugins it serves; calls of one session stay on one runner). 0 means one per CPU core, at most 4; 1 keeps every group in a single process.
     */
    maxRunnersPerGroup?: number;
  };
  /**
   * The agent loop.
   */
  agent?: {
    /**
     * Steps (model calls that lead to tool use) a run may take.
     */
    stepBudget?: number;
    /**
     * Failed tool calls tolerated in one run before it stops.
     */
    recoveryBudget?: number;
    /**
     * Context window assumed when a model does not declare one, in tokens.
     */
    contextWindowTokens?: number;
    /**
     * Fraction of the context window at which the context engine compacts.
     */
    compactThresholdRatio?: number;
    /**
     * Model used when a session has none, as `<provider>/<model>` or a bare model id; empty picks the cheapest eligible model.
     */
    defaultModel?: string;
    /**
     * Pins the LLM provider (e.g. "scripted"): runs choose only among its models, and /provider in roku chat refuses to switch away from it; empty lets every loaded provider serve.
     */
    provider?: string;
    /**
     * Largest tool result, in characters, that enters the conversation; longer results are cut with a marker.
     */
    toolResultMaxChars?: number;
    /**
     * Estimated size of all tool definitions above which rarely used tools hide behind tool_search.
     */
    deferToolsAboveTokens?: number;
    /**
     * Steps reserved for a sub-agent (taken from the parent's budget, never refunded).
     */
    subagentMaxSteps?: number;
    /**
     * Wall time a sub-agent may run.
     */
    subagentTimeoutMs?: number;
    /**
     * Characters of a sub-agent's answer that reach the parent.
     */
    subagentResultMaxChars?: number;
    /**
     * Wall time of one model request, streaming included.
     */
    providerTimeoutMs?: number;
    /**
     * Retries of a failed model request (rate limits, overload, 5xx, timeouts, connection failures).
     */
    maxRetries?: number;
    /**
     * First retry delay; it doubles per attempt with ±10% jitter.
     */
    initialBackoffMs?: number;
    /**
     * Largest retry delay, Retry-After included.
     */
    maxBackoffMs?: number;
    /**
     * Consecutive failed attempts (retries included) that open a provider's circuit breaker; attempts that were in flight together when one of them failed count once, as one incident. 0 disables it.
     */
    breakerFailureThreshold?: number;
    /**
     * How long an open breaker refuses requests before it lets one probe through.
     */
    breakerCooldownMs?: number;
    /**
     * Memory write-back: after a successful run, write the goal and answer to the memory slot (the default slot keeps them for the session only). Off by default: nothing is stored unless the user turns it on; /plugins in roku chat says where memory goes.
     */
    rememberExchanges?: boolean;
  };
  /**
   * Tool approval policy.
   */
  approvals?: {
    /**
     * Approve every tool call without asking (deny patterns still refuse). Also set by ROKU_AUTO_APPROVE=true.
     */
    autoApprove?: boolean;
    /**
     * Regular expressions; a tool call whose canonical JSON ({"arguments":…,"tool":…}) matches one is refused without asking, even with auto-approve.
     */
    denyPatterns?: string[];
  };
  /**
   * Plugin selection and settings.
   */
  plugins?: {
    /**
     * Plugin id that owns the memory slot; empty selects the first-party default.
     */
    memorySlot?: string;
    /**
     * Plugin id that owns the context-engine slot; empty selects the first-party default.
     */
    contextEngine?: string;
    /**
     * Settings per plugin id, each validated against that plugin's configSchema.
     */
    settings?: {
      [k: string]: {} | undefined;
    };
    /**
     * Plugin folders loaded directly and watched for changes (plugin dev mode).
     */
    devDirs?: string[];
    /**
     * Ids of plugins that declare sideEffects and may run. Any other such plugin, unless bundled, is disabled with the reason.
     */
    allowSideEffects?: string[];
    /**
     * Plugin ids a dev folder may take over from the installed or bundled plugin of the same id. Without it such a dev folder is shadowed (listed, not loaded), so a folder cannot claim another plugin's id, storage or grants.
     */
    devOverrides?: string[];
    /**
     * What your own configuration grants a plugin, per plugin id, beyond its manifest. Only here can a plugin be given loopback or private network origins (a publisher's manifest never reaches them), wildcard origins over shared hosting domains, or other capability limits than its manifest asks for. Link-local addresses and cloud metadata services stay unreachable whatever is granted.
     */
    grants?: {
      /**
       * Grants for one plugin.
       */
      [k: string]:
        | {
            /**
             * Origins (scheme://host[:port], host may start with '*.', port may be '*') the plugin may reach on top of its manifest's, e.g. http://127.0.0.1:11434 for a local model server. A host named exactly here (an IP literal, localhost or a name, not a wildcard) may be a loopback or private address.
             *
             * @maxItems 64
             */
            network?: string[];
            /**
             * What the plugin's child processes (capabilities.processes of its manifest) may do beyond the manifest.
             */
            process?: {
              /**
               * Programs (names found on PATH, no paths) the plugin may run on top of its manifest's capabilities.processes.
               *
               * @maxItems 128
               */
              programs?: string[];
              /**
               * Command lines refused on top of the manifest's and the host's deny lists: text that must not occur in the command line (words separated by single spaces).
               *
               * @maxItems 128
               */
              deny?: string[];
              /**
               * Let the plugin run command lines through /bin/sh (pipes, ;, &&, redirections) when its manifest asks for capabilities.processShell. The program allowlist then applies to the first word only.
               */
              shell?: boolean;
              /**
               * Let the plugin's processes reach the network. Without it they run in a namespace with no network when the machine offers one (bubblewrap or unshare).
               */
              network?: boolean;
            };
            /**
             * Capability limits that replace the manifest's values for this plugin (higher or lower).
             */
            limits?: {
              /**
               * Calls of the plugin that may run at the same time, replacing its manifest's limits.concurrency; calls over it wait in a fair queue.
               */
              concurrency?: number;
              /**
               * Sandbox memory in MiB, replacing its manifest's limits.memoryMb (never above sandbox.maxPluginMemoryMb). Each call in flight holds a realm in this memory, so it also bounds how many calls run at once (a provider waiting on its upstream holds one per model call). Applies from the plugin's next load.
               */
              memoryMb?: number;
              /**
               * Quota of the key-value storage, in bytes.
               */
              storageBytes?: number;
              /**
               * HTTP requests one call may make.
               */
              httpRequestsPerCall?: number;
              /**
               * HTTP response bytes one call may read.
               */
              httpResponseBytes?: number;
              /**
               * Most keys the plugin's key-value storage may hold.
               */
              storageKeys?: number;
              /**
               * Most bytes of regular files the plugin may hold in each of its own filesystem roots (data, cache, temp), and may add to the workspace while the host runs.
               */
              filesystemBytes?: number;
              /**
               * Most regular files the plugin may hold in each of its own filesystem roots (data, cache, temp), and may create in the workspace while the host runs.
               */
              filesystemFiles?: number;
              /**
               * Most bytes of log messages and data the plugin may write per minute; more is dropped.
               */
              logBytesPerMinute?: number;
              /**
               * HTTP requests the plugin may have in flight at once, over all its calls (a request counts until its response body is read or cancelled).
               */
              httpConcurrency?: number;
              /**
               * Calls through the llm capability the plugin may make per minute.
               */
              llmCallsPerMinute?: number;
              /**
               * Tokens (prompt and completion) the plugin may use per minute through the llm capability.
               */
              llmTokensPerMinute?: number;
              /**
               * CPU time in milliseconds the plugin's sandbox may use in any 60 s window; overrides the manifest's value.
               */
              cpuMsPerMinute?: number;
            };
          }
        | undefined;
    };
  };
  /**
   * Sessions, runs, events, approvals and traces (SQLite under ROKU_HOME/state).
   */
  storage?: {
    /**
     * Largest trace file per run (traces/<run-id>.jsonl); later events are counted, not written.
     */
    traceMaxBytes?: number;
    /**
     * Traces and finished runs' events older than this are deleted at startup; 0 keeps them forever.
     */
    traceRetentionDays?: number;
  };
  /**
   * Plugin registries besides the embedded local one. A registry that owns a scope is the only one asked for it.
   */
  registries?: {
    /**
     * Short name.
     */
    name: string;
    /**
     * Base URL (http, https or file).
     */
    url: string;
    /**
     * Scopes this registry owns, e.g. @acme.
     */
    scopes?: string[];
    /**
     * Registry public keys (ed25519:<base64>) that sign its index documents. With any, every index document must be signed by one of them and unexpired, so a mirror cannot serve stale metadata.
     */
    indexKeys?: string[];
  }[];
  /**
   * The HTTP API server.
   */
  server?: {
    /**
     * Address to listen on.
     */
    host?: string;
    /**
     * TCP port; 0 picks a free one.
     */
    port?: number;
  };
  /**
   * MCP servers whose tools the agent gets as mcp__<server>__<tool> (the shape Claude Desktop and Cursor use). A local server is a command started in the workspace with only the env vars its entry names; a remote one is a Streamable HTTP url (type http, falling back to HTTP+SSE on a 4xx) or an older HTTP+SSE url (type sse).
   */
  mcpServers?: {
    [k: string]:
      | {
          /**
           * Transport: stdio (the default for an entry with a command).
           */
          type?: 'stdio';
          /**
           * Program to start (looked up on PATH).
           */
          command: string;
          /**
           * Its arguments.
           *
           * @maxItems 256
           */
          args?: string[];
          /**
           * The only environment variables the process gets besides PATH and HOME.
           */
          env?: {
            [k: string]: string | undefined;
          };
          /**
           * Left out of the agent without being removed.
           */
          disabled?: boolean;
          /**
           * Run the server inside bubblewrap: no network, the system read-only, only the workspace writable, home folders and ROKU_HOME hidden. An object grants more: network origins (bubblewrap cannot filter by origin, so any granted origin shares the host's network) and folders. Refused where bubblewrap does not work.
           */
          confine?:
            | boolean
            | {
                /**
                 * Origins the server may reach (e.g. https://api.example.com). Any entry gives it the host's network.
                 *
                 * @maxItems 64
                 */
                network?: string[];
                /**
                 * Folders the server may see, read-only unless write is true; absolute or relative to the workspace.
                 *
                 * @maxItems 64
                 */
                folders?: {
                  /**
                   * The folder.
                   */
                  path: string;
                  /**
                   * Writable too.
                   */
                  write?: boolean;
                }[];
              };
          /**
           * Resource limits of the server process, as rlimits through prlimit; refused where prlimit does not work.
           */
          limits?: {
            /**
             * CPU seconds in all (RLIMIT_CPU).
             */
            cpuSeconds?: number;
            /**
             * Private writable memory in MiB (RLIMIT_DATA; it counts reservations, so a Node server needs 1024 or more).
             */
            memoryMb?: number;
            /**
             * Open files at once (RLIMIT_NOFILE).
             */
            openFiles?: number;
          };
          /**
           * What happens when a tool's definition (description, input schema, annotations) differs from the one pinned when you first approved it: block its calls until `roku mcp pins reset`, or ask again before its next call (even under auto-approve).
           */
          onToolChange?: 'block' | 'ask';
          /**
           * Reconnecting after the server went away: exponential backoff with jitter; the session goes on without its tools meanwhile.
           */
          reconnect?: {
            /**
             * Attempts before giving up (0: never reconnect).
             */
            maxAttempts?: number;
            /**
             * Delay before the first attempt; each next one doubles.
             */
            initialDelayMs?: number;
            /**
             * Longest delay between attempts.
             */
            maxDelayMs?: number;
          };
          /**
           * How long the handshake and the first tools/list may take before the server is left out (15000 when absent).
           */
          startupTimeoutMs?: number;
          /**
           * How long one tool call may take before it fails (30000 when absent).
           */
          callTimeoutMs?: number;
        }
      | {
          /**
           * Transport: http (Streamable HTTP, with the HTTP+SSE fallback) or sse (the older HTTP+SSE transport).
           */
          type: 'http' | 'sse';
          /**
           * The server's MCP endpoint (http or https).
           */
          url: string;
          /**
           * Headers sent with every request (e.g. Authorization).
           */
          headers?: {
            [k: string]: string | undefined;
          };
          /**
           * Left out of the agent without being removed.
           */
          disabled?: boolean;
          /**
           * What happens when a tool's definition (description, input schema, annotations) differs from the one pinned when you first approved it: block its calls until `roku mcp pins reset`, or ask again before its next call (even under auto-approve).
           */
          onToolChange?: 'block' | 'ask';
          /**
           * Reconnecting after the server went away: exponential backoff with jitter; the session goes on without its tools meanwhile.
           */
          reconnect?: {
            /**
             * Attempts before giving up (0: never reconnect).
             */
            maxAttempts?: number;
            /**
             * Delay before the first attempt; each next one doubles.
             */
            initialDelayMs?: number;
            /**
             * Longest delay between attempts.
             */
            maxDelayMs?: number;
          };
          /**
           * How long the handshake and the first tools/list may take before the server is left out (15000 when absent).
           */
          startupTimeoutMs?: number;
          /**
           * How long one tool call may take before it fails (30000 when absent).
           */
          callTimeoutMs?: number;
        }
      | undefined;
  };
}
