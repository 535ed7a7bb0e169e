import type { ToolSpec } from '@roku/schemas';

/** A tool of a loaded plugin, as the snapshot lists it. */
export interface CatalogToolInput {
  readonly pluginId: string;
  /** The tool's name in its plugin (`contributes.tools[].name`); the sandbox op is `tool:<toolName>`. */
  readonly toolName: string;
  readonly description: string;
  readonly inputSchema: unknown;
  readonly risk: readonly string[];
  readonly deferred: boolean;
}

/** A tool under its model-visible name. */
export interface CatalogTool {
  /** Model-visible name, unique in the catalog, matching TOOL_NAME_PATTERN. */
  readonly name: string;
  readonly pluginId: string;
  readonly toolName: string;
  readonly description: string;
  /** Deep copy with sorted keys, frozen. */
  readonly inputSchema: unknown;
  readonly risk: readonly string[];
  readonly deferred: boolean;
  /** Risk is exactly read-only (every tag is `read`): visible in plan mode. */
  readonly readOnly: boolean;
}

export interface ToolCatalogOptions {
  /** Estimated tokens of the visible definitions above which the largest tools hide behind tool_search; 0 disables. */
  readonly deferAboveTokens: number;
}

export interface DefinitionsInput {
  /** Only read-only tools (risk tags all `read`). */
  readonly planMode: boolean;
  /** Tools loaded through tool_search: always shown (unless excluded or filtered by plan mode). */
  readonly loaded: ReadonlySet<string>;
  /** Model-visible names never shown, pseudo-tools in `extra` included (e.g. a sub-agent's disallowed tools). */
  readonly exclude: ReadonlySet<string>;
  /** The loop's pseudo-tools (final_answer, ask_user, …); they are never deferred. */
  readonly extra: readonly ToolSpec[];
}

/** The tool definitions of one request: byte-stable for equal inputs. */
export interface ToolDefinitions {
  /** Sorted by name; keys sorted at every level; deep-frozen. */
  readonly specs: readonly ToolSpec[];
  /** `JSON.stringify(specs)`: the canonical bytes. */
  readonly json: string;
  /** sha256 of `json`, hex. */
  readonly fingerprint: string;
  /** Names hidden behind tool_search, sorted. */
  readonly deferred: readonly string[];
  /** Estimated tokens of `json` (bytes ÷ 2). */
  readonly estimatedTokens: number;
}

export interface ToolSearchHit {
  readonly name: string;
  readonly description: string;
  readonly score: number;
}

/** The tools of one plugin snapshot under model-visible names, with search and request definitions. */
export interface ToolCatalog {
  /** Renamed tools and similar notes, for the snapshot's warnings. */
  readonly warnings: readonly string[];
  get(name: string): CatalogTool | undefined;
  /** Every tool, sorted by name. */
  all(): readonly CatalogTool[];
  /**
   * BM25 search over names, descriptions and input property names and descriptions; best first, ties by
   * name; only tools that match at least one query term. `filter` restricts the tools considered.
   */
  search(query: string, limit?: number, filter?: (tool: CatalogTool) => boolean): readonly ToolSearchHit[];
  /** The definitions to send with a request (see DefinitionsInput). */
  definitions(input: DefinitionsInput): ToolDefinitions;
}
