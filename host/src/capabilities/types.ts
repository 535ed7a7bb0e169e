import type { Logger } from 'pino';
import type { HostConfig, PluginManifest } from '@roku/schemas';
import type { WireError } from '../sandbox/protocol.js';
import type { CapabilityLedgers } from './ledgers.js';
import type { SqlAccess } from './sql/sql-capability.js';

/** What the user's own config grants one plugin: `plugins.grants["<plugin-id>"]` of the host config. */
export type PluginUserGrants = NonNullable<NonNullable<NonNullable<HostConfig['plugins']>['grants']>[string]>;

/** The call a capability request belongs to. */
export interface CallScope {
  /** Call id; per-call quotas (HTTP requests and bytes) and open streams are tracked under it. */
  readonly callId: string;
  /** Aborted when the call is cancelled; in-flight requests and open streams of the call are stopped. */
  readonly signal?: AbortSignal;
  /** Receives what the plugin emits during the call; without it `emit` is unavailable. */
  readonly emit?: (event: unknown) => void;
  /** What the host passed with the call (the agent run); handed on to host services. */
  readonly context?: unknown;
}

/** What a host service learns about the plugin that asks it for something. */
export interface ServiceContext {
  readonly pluginId: string;
  readonly pluginKey: string;
  readonly callId: string;
  readonly signal?: AbortSignal;
  /** What the host passed with the call (the agent run it belongs to); services use it for scoping. */
  readonly context?: unknown;
}

/** The agent's LLM router, as plugins with `capabilities.llm` see it. */
export interface LlmService {
  chat(request: unknown, ctx: ServiceContext): Promise<unknown>;
}

/** The memory slot, as plugins with `capabilities.memory` see it. */
export interface MemoryService {
  recall(query: string, limit: number, ctx: ServiceContext): Promise<readonly unknown[]>;
  write(records: readonly unknown[], ctx: ServiceContext): Promise<void>;
}

/** Tool invocation on behalf of a plugin; names were already checked against `capabilities.tools`. */
export interface ToolsService {
  invoke(name: string, input: unknown, ctx: ServiceContext): Promise<unknown>;
}

/** Sub-agent runs on behalf of a plugin with `capabilities.subagents`. */
export interface SubagentService {
  run(task: string, runtime: string | undefined, ctx: ServiceContext): Promise<string>;
}

export interface CapabilityServices {
  readonly llm?: LlmService;
  readonly memory?: MemoryService;
  readonly tools?: ToolsService;
  readonly subagents?: SubagentService;
}

/** Alias of CapabilityServices. */
export type BrokerServices = CapabilityServices;

/** One resolved address, as `dns.promises.lookup(host, { all: true })` returns it. */
export interface ResolvedAddress {
  readonly address: string;
  readonly family: 4 | 6;
}

/** Resolves a host name to all of its addresses. */
export type HostLookup = (hostname: string) => Promise<readonly ResolvedAddress[]>;

/** Alias of HostLookup. */
export type LookupFunction = HostLookup;

/**
 * Per-plugin key-value storage. One store serves every plugin of a host; each plugin has its own namespace.
 * Methods are synchronous and throw `RokuError`s (`ROKU_CAPABILITY_LIMIT`, `ROKU_CAPABILITY_BAD_REQUEST`).
 */
export interface KvStore {
  get(namespace: string, key: string): string | null;
  /**
   * Stores a value unless the namespace would then hold more than `quotaBytes` of keys and values, or more
   * than `maxKeys` keys (default: no key limit).
   */
  set(namespace: string, key: string, value: string, quotaBytes: number, maxKeys?: number): void;
  delete(namespace: string, key: string): void;
  /** Keys starting with `prefix`, sorted, at most `limit` of them. */
  list(namespace: string, prefix: string, limit: number): string[];
  /** Bytes of keys and values the namespace holds. */
  usage(namespace: string): number;
  /** Moves every key of `from` to `to` when `to` holds none; whether anything moved. */
  adopt(from: string, to: string): boolean;
  close(): void;
}

export interface CapabilityRoots {
  readonly workspace: string;
  readonly data: string;
  readonly cache: string;
  readonly temp: string;
  /** The user's Agent Skills ($ROKU_HOME/skills), read only; absent where the host has no data dir. */
  readonly skills?: string;
  /**
   * The Agent Skills folders of the active plugins (`contributes.skills`), by plugin folder name (`@scope+name`),
   * asked on every request so that a reload is seen at once; the `plugin-skills` root, read only.
   */
  readonly pluginSkills?: () => ReadonlyMap<string, string>;
  /** The Roku data dir: hidden from child processes where the machine can confine them. */
  readonly home?: string;
}

export interface CapabilityBrokerOptions {
  /** The plugin's validated manifest (defaults filled in). */
  readonly manifest: PluginManifest;
  /** The loaded plugin version, `<id>@<version>#<n>`; bound to log lines. */
  readonly pluginKey: string;
  /** Absolute folders of the filesystem roots; data, cache and temp are created on first use. */
  readonly roots: CapabilityRoots;
  /** Environment the plugin may read from (only names in `permissions.env`). */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Secret values, substituted into outgoing request headers only. */
  readonly secrets: Readonly<Record<string, string | undefined>>;
  /** Shared key-value store; the broker uses the namespace of the plugin id and does not close it. */
  readonly kv: KvStore;
  readonly logger: Logger;
  readonly services?: CapabilityServices;
  /** Opens the plugin's own SQL database (`permissions.capabilities.sql`); without it sql.* is denied. */
  readonly sql?: SqlAccess;
  /** DNS resolution; `dns.promises.lookup(host, { all: true })` when absent. */
  readonly lookup?: HostLookup;
  /**
   * The user's grants for this plugin (`plugins.grants[id]` of the host config), asked on every request so a
   * config reload takes effect at once. Only these may open loopback or private origins.
   */
  readonly grants?: () => PluginUserGrants | undefined;
  /** Usage shared by every loaded version of a plugin (quotas, rates); one per host. A private one when absent. */
  readonly ledgers?: CapabilityLedgers;
}

/** Checks and serves the capability requests of one loaded plugin. */
export interface CapabilityBroker {
  /**
   * Serves one request (JSON of a plugin-api `CapabilityRequest`) and returns JSON of a `CapabilityResponse`.
   * Never rejects: every failure becomes `{ ok: false, error: { code, message } }`.
   */
  handle(requestJson: string, call: CallScope): Promise<string>;
  /**
   * Serves a request the plugin sent without waiting for a reply (only `emit`, `log` and `fetch.cancel`),
   * synchronously.
   * Returns why it failed (an emit the host does not take, too large, …), or undefined.
   */
  handleOneWay(requestJson: string, call: CallScope): WireError | undefined;
  /** Ends a call: closes its open response streams and resets its quotas. */
  endCall(callId: string): void;
  /** Closes every stream; later requests fail with ROKU_CAPABILITY_UNAVAILABLE. */
  close(): Promise<void>;
}
