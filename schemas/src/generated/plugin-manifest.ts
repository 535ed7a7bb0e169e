// Generated from json/plugin-manifest.schema.json by scripts/generate-types.ts. Do not edit; run `pnpm generate`.

/**
 * An environment variable or secret name: upper-case letters, digits and '_'.
 */
export type EnvName = string;

/**
 * A Roku plugin manifest (roku.plugin.json). It tells the host everything about a plugin before any of its code runs: identity, runtime, contributions, permissions and limits. Anything not declared is denied.
 */
export interface PluginManifest {
  /**
   * Optional URI of this schema, for editors.
   */
  $schema?: string;
  /**
   * Version of the manifest format. Only 1 exists.
   */
  manifestVersion: 1;
  /**
   * Scoped plugin id, @scope/name: lowercase letters, digits, '-', '.', '_'; at most 214 characters.
   */
  id: string;
  /**
   * Semantic version of this plugin release (semver 2.0, no leading 'v').
   */
  version: string;
  /**
   * One-line summary shown in search results and consent prompts.
   */
  description: string;
  /**
   * SPDX license expression, e.g. MIT or Apache-2.0.
   */
  license: string;
  /**
   * Who wrote the plugin.
   */
  author?:
    | string
    | {
        /**
         * Name.
         */
        name: string;
        /**
         * E-mail address.
         */
        email?: string;
        /**
         * Web page.
         */
        url?: string;
      };
  /**
   * Project page (http or https URL).
   */
  homepage?: string;
  /**
   * Search keywords.
   *
   * @maxItems 32
   */
  keywords?: string[];
  /**
   * Host compatibility.
   */
  engines: {
    /**
     * Semver range of the host plugin API this plugin needs, e.g. ^0.1.0.
     */
    roku: string;
  };
  /**
   * Other plugins this one needs, by scoped id, each with a semver range.
   */
  dependencies?: {
    [k: string]: string | undefined;
  };
  /**
   * How the plugin's code runs.
   */
  runtime: {
    /**
     * isolate: a single-file JavaScript bundle run in a V8 isolate. wasm: an Extism WebAssembly module.
     */
    type: 'isolate' | 'wasm';
    /**
     * Path of the entry file relative to the plugin folder (.js for isolate, .wasm for wasm).
     */
    entry: string;
    /**
     * isolate only: keep the WebAssembly global inside the isolate. Off by default because isolate memory limits do not count WebAssembly memory.
     */
    webAssembly?: boolean;
  };
  /**
   * What the plugin adds to the agent. At least one contribution is required.
   */
  contributes: {
    /**
     * LLM providers.
     *
     * @minItems 1
     * @maxItems 16
     */
    providers?:
      | [Provider]
      | [Provider, Provider]
      | [Provider, Provider, Provider]
      | [Provider, Provider, Provider, Provider]
      | [Provider, Provider, Provider, Provider, Provider]
      | [Provider, Provider, Provider, Provider, Provider, Provider]
      | [Provider, Provider, Provider, Provider, Provider, Provider, Provider]
      | [Provider, Provider, Provider, Provider, Provider, Provider, Provider, Provider]
      | [Provider, Provider, Provider, Provider, Provider, Provider, Provider, Provider, Provider]
      | [Provider, Provider, Provider, Provider, Provider, Provider, Provider, Provider, Provider, Provider]
      | [
          Provider,
          Provider,
          Provider,
          Provider,
          Provider,
          Provider,
          Provider,
          Provider,
          Provider,
          Provider,
          Provider,
        ]
      | [
          Provider,
          Provider,
          Provider,
          Provider,
          Provider,
          Provider,
          Provider,
          Provider,
          Provider,
          Provider,
          Provider,
          Provider,
        ]
      | [
          Provider,
          Provider,
          Provider,
          Provider,
          Provider,
          Provider,
          Provider,
          Provider,
          Provider,
          Provider,
          Provider,
          Provider,
          Provider,
        ]
      | [
          Provider,
          Provider,
          Provider,
          Provider,
          Provider,
          Provider,
          Provider,
          Provider,
          Provider,
          Provider,
          Provider,
          Provider,
          Provider,
          Provider,
        ]
      | [
          Provider,
          Provider,
          Provider,
          Provider,
          Provider,
          Provider,
          Provider,
          Provider,
          Provider,
          Provider,
          Provider,
          Provider,
          Provider,
          Provider,
          Provider,
        ]
      | [
          Provider,
          Provider,
          Provider,
          Provider,
          Provider,
          Provider,
          Provider,
          Provider,
          Provider,
          Provider,
          Provider,
          Provider,
          Provider,
          Provider,
          Provider,
          Provider,
        ];
    /**
     * Tools the model can call. Names are unique within the plugin.
     *
     * @minItems 1
     * @maxItems 256
     */
    tools?: [Tool, ...Tool[]];
    memorySlot?: Slot;
    contextEngine?: Slot1;
    /**
     * Sub-agent runtimes.
     *
     * @minItems 1
     * @maxItems 16
     */
    subagentRuntimes?:
      | [Slot2]
      | [Slot2, Slot2]
      | [Slot2, Slot2, Slot2]
      | [Slot2, Slot2, Slot2, Slot2]
      | [Slot2, Slot2, Slot2, Slot2, Slot2]
      | [Slot2, Slot2, Slot2, Slot2, Slot2, Slot2]
      | [Slot2, Slot2, Slot2, Slot2, Slot2, Slot2, Slot2]
      | [Slot2, Slot2, Slot2, Slot2, Slot2, Slot2, Slot2, Slot2]
      | [Slot2, Slot2, Slot2, Slot2, Slot2, Slot2, Slot2, Slot2, Slot2]
      | [Slot2, Slot2, Slot2, Slot2, Slot2, Slot2, Slot2, Slot2, Slot2, Slot2]
      | [Slot2, Slot2, Slot2, Slot2, Slot2, Slot2, Slot2, Slot2, Slot2, Slot2, Slot2]
      | [Slot2, Slot2, Slot2, Slot2, Slot2, Slot2, Slot2, Slot2, Slot2, Slot2, Slot2, Slot2]
      | [Slot2, Slot2, Slot2, Slot2, Slot2, Slot2, Slot2, Slot2, Slot2, Slot2, Slot2, Slot2, Slot2]
      | [Slot2, Slot2, Slot2, Slot2, Slot2, Slot2, Slot2, Slot2, Slot2, Slot2, Slot2, Slot2, Slot2, Slot2]
      | [
          Slot2,
          Slot2,
          Slot2,
          Slot2,
          Slot2,
          Slot2,
          Slot2,
          Slot2,
          Slot2,
          Slot2,
          Slot2,
          Slot2,
          Slot2,
          Slot2,
          Slot2,
        ]
      | [
          Slot2,
          Slot2,
          Slot2,
          Slot2,
          Slot2,
          Slot2,
          Slot2,
          Slot2,
          Slot2,
          Slot2,
          Slot2,
          Slot2,
          Slot2,
          Slot2,
          Slot2,
          Slot2,
        ];
    /**
     * A folder of the package holding Agent Skills (sub-folders with a SKILL.md), e.g. "skills". While the plugin is active the skills plugin offers them, read only, after the workspace's and the user's.
     */
    skills?: string;
    /**
     * Bridges to external tool protocols such as MCP.
     *
     * @minItems 1
     * @maxItems 16
     */
    bridges?:
      | [Bridge]
      | [Bridge, Bridge]
      | [Bridge, Bridge, Bridge]
      | [Bridge, Bridge, Bridge, Bridge]
      | [Bridge, Bridge, Bridge, Bridge, Bridge]
      | [Bridge, Bridge, Bridge, Bridge, Bridge, Bridge]
      | [Bridge, Bridge, Bridge, Bridge, Bridge, Bridge, Bridge]
      | [Bridge, Bridge, Bridge, Bridge, Bridge, Bridge, Bridge, Bridge]
      | [Bridge, Bridge, Bridge, Bridge, Bridge, Bridge, Bridge, Bridge, Bridge]
      | [Bridge, Bridge, Bridge, Bridge, Bridge, Bridge, Bridge, Bridge, Bridge, Bridge]
      | [Bridge, Bridge, Bridge, Bridge, Bridge, Bridge, Bridge, Bridge, Bridge, Bridge, Bridge]
      | [Bridge, Bridge, Bridge, Bridge, Bridge, Bridge, Bridge, Bridge, Bridge, Bridge, Bridge, Bridge]
      | [
          Bridge,
          Bridge,
          Bridge,
          Bridge,
          Bridge,
          Bridge,
          Bridge,
          Bridge,
          Bridge,
          Bridge,
          Bridge,
          Bridge,
          Bridge,
        ]
      | [
          Bridge,
          Bridge,
          Bridge,
          Bridge,
          Bridge,
          Bridge,
          Bridge,
          Bridge,
          Bridge,
          Bridge,
          Bridge,
          Bridge,
          Bridge,
          Bridge,
        ]
      | [
          Bridge,
          Bridge,
          Bridge,
          Bridge,
          Bridge,
          Bridge,
          Bridge,
          Bridge,
          Bridge,
          Bridge,
          Bridge,
          Bridge,
          Bridge,
          Bridge,
          Bridge,
        ]
      | [
          Bridge,
          Bridge,
          Bridge,
          Bridge,
          Bridge,
          Bridge,
          Bridge,
          Bridge,
          Bridge,
          Bridge,
          Bridge,
          Bridge,
          Bridge,
          Bridge,
          Bridge,
          Bridge,
        ];
  };
  /**
   * What the plugin may do. Every call is checked by the host against this; anything not listed is denied.
   */
  permissions?: {
    /**
     * Network origins the plugin may reach: scheme://host[:port], host may start with '*.' and port may be '*'. No paths, queries or credentials.
     *
     * @maxItems 64
     */
    network?: string[];
    /**
     * Paths the plugin may use, each under a named root.
     *
     * @maxItems 64
     */
    filesystem?: FsGrant[];
    /**
     * Environment variable names the plugin may read.
     *
     * @maxItems 64
     */
    env?: EnvName[];
    /**
     * Secret names the plugin may reference in outgoing request headers; the host substitutes their values on the way out, so they never enter the sandbox.
     *
     * @maxItems 64
     */
    secrets?: EnvName[];
    /**
     * Host capabilities.
     */
    capabilities?: {
      /**
       * May call the agent's LLM router.
       */
      llm?: boolean;
      /**
       * Access to the memory slot.
       */
      memory?: 'none' | 'read' | 'read-write';
      /**
       * Names of tools the plugin may invoke; '*' at the end of a name matches any suffix.
       *
       * @maxItems 64
       */
      tools?: string[];
      /**
       * May spawn sub-agents.
       */
      subagents?: boolean;
      /**
       * One SQLite database of the plugin's own (ctx.sql), kept under its storage identity. Statements are checked host-side: no ATTACH, extensions, transactions of its own, temporary objects or PRAGMAs beyond a few harmless ones. Absent: no database.
       */
      sql?: {
        /**
         * Most bytes the database file may hold; writes past it fail with ROKU_CAPABILITY_QUOTA_EXCEEDED.
         */
        maxBytes?: number;
        /**
         * Longest a statement (or batch) may run; past it the statement is stopped with ROKU_SQL_TIMEOUT.
         */
        statementTimeoutMs?: number;
      };
      /**
       * Commands (program names, no paths) the plugin may run as child processes.
       *
       * @maxItems 32
       */
      processes?: string[];
      /**
       * Command lines the plugin's processes are refused, as text that must not occur in the command line (words separated by single spaces), e.g. 'git push'. The host's own deny list (rm -rf /, mkfs, dd if=, writes to /dev/sd*, fork bombs, shutdown) always applies. Absent means none.
       *
       * @maxItems 64
       */
      processDeny?: string[];
      /**
       * Asks to run command lines through /bin/sh (pipes, ;, &&, redirections). In effect only when the user also grants plugins.grants[id].process.shell; otherwise every process runs one program with its arguments and no shell. Absent means false (no default is filled in, so manifests published before this field summarise the same).
       */
      processShell?: boolean;
    };
  };
  /**
   * What the plugin needs from the machine to work. A plugin whose requirements are unmet is disabled with the reason instead of failing at its first call.
   */
  requires?: {
    /**
     * Environment variables that must all be set (non-empty).
     *
     * @maxItems 32
     */
    env?: string[];
    /**
     * Sets of environment variables of which at least one per set must be set, e.g. [["A_TOKEN", "B_TOKEN"]].
     *
     * @maxItems 16
     */
    envAny?:
      | []
      | [[string, ...string[]]]
      | [[string, ...string[]], [string, ...string[]]]
      | [[string, ...string[]], [string, ...string[]], [string, ...string[]]]
      | [[string, ...string[]], [string, ...string[]], [string, ...string[]], [string, ...string[]]]
      | [
          [string, ...string[]],
          [string, ...string[]],
          [string, ...string[]],
          [string, ...string[]],
          [string, ...string[]],
        ]
      | [
          [string, ...string[]],
          [string, ...string[]],
          [string, ...string[]],
          [string, ...string[]],
          [string, ...string[]],
          [string, ...string[]],
        ]
      | [
          [string, ...string[]],
          [string, ...string[]],
          [string, ...string[]],
          [string, ...string[]],
          [string, ...string[]],
          [string, ...string[]],
          [string, ...string[]],
        ]
      | [
          [string, ...string[]],
          [string, ...string[]],
          [string, ...string[]],
          [string, ...string[]],
          [string, ...string[]],
          [string, ...string[]],
          [string, ...string[]],
          [string, ...string[]],
        ]
      | [
          [string, ...string[]],
          [string, ...string[]],
          [string, ...string[]],
          [string, ...string[]],
          [string, ...string[]],
          [string, ...string[]],
          [string, ...string[]],
          [string, ...string[]],
          [string, ...string[]],
        ]
      | [
          [string, ...string[]],
          [string, ...string[]],
          [string, ...string[]],
          [string, ...string[]],
          [string, ...string[]],
          [string, ...string[]],
          [string, ...string[]],
          [string, ...string[]],
          [string, ...string[]],
          [string, ...string[]],
        ]
      | [
          [string, ...string[]],
          [string, ...string[]],
          [string, ...string[]],
          [string, ...string[]],
          [string, ...string[]],
          [string, ...string[]],
          [string, ...string[]],
          [string, ...string[]],
          [string, ...string[]],
          [string, ...string[]],
          [string, ...string[]],
        ]
      | [
          [string, ...string[]],
          [string, ...string[]],
          [string, ...string[]],
          [string, ...string[]],
          [string, ...string[]],
          [string, ...string[]],
          [string, ...string[]],
          [string, ...string[]],
          [string, ...string[]],
          [string, ...string[]],
          [string, ...string[]],
          [string, ...string[]],
        ]
      | [
          [string, ...string[]],
          [string, ...string[]],
          [string, ...string[]],
          [string, ...string[]],
          [string, ...string[]],
          [string, ...string[]],
          [string, ...string[]],
          [string, ...string[]],
          [string, ...string[]],
          [string, ...string[]],
          [string, ...string[]],
          [string, ...string[]],
          [string, ...string[]],
        ]
      | [
          [string, ...string[]],
          [string, ...string[]],
          [string, ...string[]],
          [string, ...string[]],
          [string, ...string[]],
          [string, ...string[]],
          [string, ...string[]],
          [string, ...string[]],
          [string, ...string[]],
          [string, ...string[]],
          [string, ...string[]],
          [string, ...string[]],
          [string, ...string[]],
          [string, ...string[]],
        ]
      | [
          [string, ...string[]],
          [string, ...string[]],
          [string, ...string[]],
          [string, ...string[]],
          [string, ...string[]],
          [string, ...string[]],
          [string, ...string[]],
          [string, ...string[]],
          [string, ...string[]],
          [string, ...string[]],
          [string, ...string[]],
          [string, ...string[]],
          [string, ...string[]],
          [string, ...string[]],
          [string, ...string[]],
        ]
      | [
          [string, ...string[]],
          [string, ...string[]],
          [string, ...string[]],
          [string, ...string[]],
          [string, ...string[]],
          [string, ...string[]],
          [string, ...string[]],
          [string, ...string[]],
          [string, ...string[]],
          [string, ...string[]],
          [string, ...string[]],
          [string, ...string[]],
          [string, ...string[]],
          [string, ...string[]],
          [string, ...string[]],
          [string, ...string[]],
        ];
    /**
     * Programs that must be found on PATH, by name.
     *
     * @maxItems 32
     */
    bins?: string[];
  };
  /**
   * True when the plugin changes things outside its sandbox's own storage by design (runs commands, sends messages). Such a plugin, unless bundled, is disabled until the user lists its id in plugins.allowSideEffects.
   */
  sideEffects?: boolean;
  /**
   * Resource limits requested by the plugin. The host's own ceilings still apply.
   */
  limits?: {
    /**
     * Sandbox memory in MiB.
     */
    memoryMb?: number;
    /**
     * CPU time per call in milliseconds.
     */
    cpuMsPerCall?: number;
    /**
     * Wall-clock time per call in milliseconds, including time spent waiting on the host.
     */
    wallMsPerCall?: number;
    /**
     * Largest result a call may return, in bytes.
     */
    outputBytes?: number;
    /**
     * Calls the plugin may run at the same time.
     */
    concurrency?: number;
    /**
     * HTTP requests one call may make.
     */
    httpRequestsPerCall?: number;
    /**
     * Largest HTTP response body the plugin may read, in bytes.
     */
    httpResponseBytes?: number;
    /**
     * Quota of the plugin's key-value storage, in bytes.
     */
    storageBytes?: number;
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
     * CPU time in milliseconds the plugin's sandbox may use in any 60 s window (calls, their preparation and background work); calls beyond it are refused with ROKU_CAPABILITY_RATE_LIMITED until the window refills.
     */
    cpuMsPerMinute?: number;
  };
  /**
   * JSON Schema (2020-12) of the plugin's own settings. Validated by the host; no remote $ref.
   */
  configSchema?: {};
}
/**
 * An LLM provider and the models it serves.
 */
export interface Provider {
  /**
   * Provider name, unique within the plugin (e.g. openai).
   */
  name: string;
  /**
   * What it connects to.
   */
  description: string;
  /**
   * Models served.
   *
   * @minItems 1
   * @maxItems 256
   */
  models: [Model, ...Model[]];
  /**
   * The plugin implements provider.models: the host asks it for the upstream's live model list (cached under ROKU_HOME) and merges it with models, whose entries win on conflicts.
   */
  liveModels?: boolean;
}
/**
 * A model a provider serves.
 */
export interface Model {
  /**
   * Model id as the upstream API names it.
   */
  id: string;
  /**
   * Context window in tokens.
   */
  contextWindow: number;
  /**
   * Largest output in tokens.
   */
  maxOutputTokens?: number;
  /**
   * What the model supports.
   */
  capabilities?: (
    | 'streaming'
    | 'tools'
    | 'vision'
    | 'json'
    | 'reasoning'
    | 'prompt-cache'
    | 'compact-history'
    | 'output-slot-cap'
  )[];
  /**
   * Price of 1000 input tokens in USD.
   */
  costPer1kInputUsd?: number;
  /**
   * Price of 1000 output tokens in USD.
   */
  costPer1kOutputUsd?: number;
}
/**
 * A tool the model can call.
 */
export interface Tool {
  /**
   * Tool name as the model sees it, unique within the plugin.
   */
  name: string;
  /**
   * What the tool does, for the model.
   */
  description: string;
  /**
   * JSON Schema (2020-12) of the tool's input; its top-level type must be object.
   */
  inputSchema: {};
  /**
   * Optional JSON Schema of the tool's result; results are validated against it.
   */
  outputSchema?: {};
  /**
   * Risk tags that drive approval: read runs freely; write, exec and network ask.
   *
   * @minItems 1
   */
  risk: ['read' | 'write' | 'exec' | 'network', ...('read' | 'write' | 'exec' | 'network')[]];
  /**
   * Hide the tool behind tool_search until the model asks for it.
   */
  deferred?: boolean;
  /**
   * Largest result of this tool, in characters, that enters the conversation; the host cuts a longer one with a marker. The lower of this and agent.toolResultMaxChars applies.
   */
  maxOutputChars?: number;
}
/**
 * The plugin can own the exclusive memory slot.
 */
export interface Slot {
  /**
   * Name, unique within the plugin.
   */
  name: string;
  /**
   * What it does.
   */
  description: string;
}
/**
 * The plugin can own the exclusive context-engine slot (prompt assembly and compaction).
 */
export interface Slot1 {
  /**
   * Name, unique within the plugin.
   */
  name: string;
  /**
   * What it does.
   */
  description: string;
}
/**
 * A named contribution handled by the plugin's code.
 */
export interface Slot2 {
  /**
   * Name, unique within the plugin.
   */
  name: string;
  /**
   * What it does.
   */
  description: string;
}
/**
 * A bridge to an external tool protocol.
 */
export interface Bridge {
  /**
   * Name, unique within the plugin.
   */
  name: string;
  /**
   * Protocol spoken.
   */
  protocol: 'mcp';
  /**
   * What it bridges.
   */
  description: string;
}
/**
 * A filesystem grant under a named root.
 */
export interface FsGrant {
  /**
   * workspace: the user's working directory. data: the plugin's own persistent folder. cache: the plugin's cache folder. temp: a scratch folder removed after use. skills: the user's Agent Skills ($ROKU_HOME/skills), read only. plugin-skills: the Agent Skills shipped by active plugins (contributes.skills), one folder per plugin (@scope+name), read only.
   */
  root: 'workspace' | 'data' | 'cache' | 'temp' | 'skills' | 'plugin-skills';
  /**
   * Path under the root; omitted means the whole root.
   */
  path?: string;
  /**
   * read, or read-write.
   */
  access: 'read' | 'read-write';
}
