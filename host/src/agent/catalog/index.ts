/**
 * The tool catalog: model-visible tool names, BM25 tool search, and byte-stable request definitions with
 * deferral behind tool_search and schema freezing (spec §2.10, §2.11). Pure: no sandbox access.
 */
export {
  createToolCatalog,
  toolSearchSpec,
  TOOL_SEARCH_NAME,
  TOOL_SEARCH_DEFAULT_LIMIT,
  TOOL_SEARCH_MAX_LIMIT,
} from './catalog.js';
export { createSchemaFreezer } from './freezer.js';
export type { FreezeReason, FrozenDefinitions, SchemaFreezer } from './freezer.js';
export {
  assignToolNames,
  isReservedToolName,
  RESERVED_TOOL_NAMES,
  RESERVED_TOOL_PREFIXES,
  TOOL_NAME_PATTERN,
  MAX_TOOL_NAME_CHARS,
} from './names.js';
export { canonicalize, canonicalJson, sha256Hex } from './canonical.js';
export { tokenize, createBm25Index, BM25_K1, BM25_B } from './bm25.js';
export type { Bm25Index } from './bm25.js';
export type {
  CatalogTool,
  CatalogToolInput,
  DefinitionsInput,
  ToolCatalog,
  ToolCatalogOptions,
  ToolDefinitions,
  ToolSearchHit,
} from './types.js';
