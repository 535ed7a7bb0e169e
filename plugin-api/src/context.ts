import type { ProcessRunResult } from '@roku/schemas/abi';
import type { ChatRequest, ChatResponse, MemoryRecord, SqlResult, SqlValue } from './types.js';

/**
 * A plugin's only door to the world. Every method is a capability request checked by the host against the
 * manifest; anything not granted rejects with ROKU_CAPABILITY_DENIED. Global `fetch` and `console` inside
 * the sandbox go through the same checks.
 */
export interface PluginContext {
  /** Id of this call, for correlation in logs. */
  readonly callId: string;
  /** The plugin's settings from the host configuration, validated against its configSchema. */
  readonly config: unknown;
  /** Aborted when the call is cancelled. */
  readonly signal: AbortSignal;
  /**
   * Log lines through the host (rate- and size-capped there; lines beyond the rate are dropped). An Error as
   * `data` keeps its name, message, code and cause code.
   * @throws CapabilityError ROKU_CAPABILITY_LIMIT for a message over 1 Mi characters, refused unread
   */
  readonly log: {
    debug(message: string, data?: unknown): void;
    info(message: string, data?: unknown): void;
    warn(message: string, data?: unknown): void;
    error(message: string, data?: unknown): void;
  };
  /**
   * Sends an event to the host during the call (providers stream text deltas this way). It does not wait for
   * the host: the promise resolves once the event is sent, and the host gets every event of the call, in order,
   * before its result. An event the host refuses (over 64 KiB of JSON) fails the call.
   * @throws CapabilityError ROKU_CAPABILITY_UNAVAILABLE when the host takes no events from this call
   */
  emit(event: unknown): Promise<void>;
  /** Same as global fetch: host-checked, redirects re-checked, private addresses refused. */
  fetch(input: string | URL | Request, init?: RequestInit): Promise<Response>;
  /**
   * A placeholder for a granted secret, to put in a request header; the host substitutes the value on the way
   * out to an allowed host, so the secret never enters the sandbox.
   */
  secret(name: string): string;
  readonly env: { get(name: string): Promise<string | null> };
  readonly kv: {
    get(key: string): Promise<string | null>;
    set(key: string, value: string): Promise<void>;
    delete(key: string): Promise<void>;
    list(prefix?: string): Promise<string[]>;
  };
  readonly fs: {
    readText(root: FsRoot, path: string): Promise<string>;
    readBytes(root: FsRoot, path: string): Promise<Uint8Array>;
    writeText(root: FsRoot, path: string, text: string): Promise<void>;
    list(root: FsRoot, path?: string): Promise<{ name: string; type: 'file' | 'dir' }[]>;
    /**
     * Reads many files of one folder in one request (`names` are file names in `folder`, at most 1000): each
     * entry has the bytes or the host's error for that file. Checked like `readBytes`, file by file.
     */
    readMany(root: FsRoot, folder: string, names: readonly string[]): Promise<FsReadManyEntry[]>;
  };
  readonly llm: { chat(request: ChatRequest): Promise<ChatResponse> };
  readonly memory: {
    recall(query: string, limit?: number): Promise<MemoryRecord[]>;
    write(records: readonly MemoryRecord[]): Promise<void>;
  };
  readonly tools: { invoke(name: string, input: unknown): Promise<unknown> };
  readonly subagents: { run(task: string, runtime?: string): Promise<string> };
  /**
   * Child processes in the workspace (`permissions.capabilities.processes`). Without `shell` the command is a
   * program on PATH with its arguments and no shell; `shell` is a /bin/sh command line, refused unless the user
   * granted it. The result holds the output (cut at `maxOutputBytes`) and why the host stopped the process.
   * @throws CapabilityError ROKU_CAPABILITY_DENIED (program not allowed, denied command, shell not granted,
   *   folder outside the workspace), ROKU_CAPABILITY_FAILED (program not found)
   */
  readonly process: { run(command: ProcessCommand): Promise<ProcessRunResult> };
  /**
   * The plugin's own SQLite database (`permissions.capabilities.sql`). `query` runs one statement; `batch`
   * runs several in one transaction. Refused host-side: ATTACH, extensions, BEGIN/COMMIT, temporary objects,
   * most PRAGMAs.
   * @throws ROKU_CAPABILITY_DENIED, ROKU_SQL_ERROR, ROKU_SQL_TIMEOUT, ROKU_SQL_CORRUPT,
   *   ROKU_CAPABILITY_QUOTA_EXCEEDED (the database is full)
   */
  readonly sql: {
    query(sql: string, params?: readonly SqlValue[]): Promise<SqlResult>;
    batch(statements: readonly { sql: string; params?: readonly SqlValue[] }[]): Promise<SqlResult[]>;
  };
}

/** One command for `ctx.process.run`: exactly one of argv and shell. */
export interface ProcessCommand {
  readonly argv?: readonly string[];
  readonly shell?: string;
  /** Workspace-relative folder to start in; the workspace root by default. */
  readonly cwd?: string;
  /** Default 30000, at most 600000. */
  readonly timeoutMs?: number;
  /** stdout and stderr together; default 65536, at most 1048576. */
  readonly maxOutputBytes?: number;
}

export type FsRoot = 'workspace' | 'data' | 'cache' | 'temp' | 'skills' | 'plugin-skills';

/** One file of `ctx.fs.readMany`: its bytes, or the host's error code and message for it. */
export type FsReadManyEntry =
  | { readonly name: string; readonly bytes: Uint8Array }
  | { readonly name: string; readonly error: { readonly code: string; readonly message: string } };
