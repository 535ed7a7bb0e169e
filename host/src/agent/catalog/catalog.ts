import type { ToolSpec } from '@roku/schemas';
import { estimateJsonTokens } from '../router/tokens.js';
import { createBm25Index, tokenize } from './bm25.js';
import { preparedTool } from './prepared.js';
import { canonicalize, sha256Hex } from './canonical.js';
import { assignToolNames } from './names.js';
import type {
  CatalogTool,
  CatalogToolInput,
  DefinitionsInput,
  ToolCatalog,
  ToolCatalogOptions,
  ToolDefinitions,
  ToolSearchHit,
} from './types.js';

/** The pseudo-tool that loads deferred tools. */
export const TOOL_SEARCH_NAME = 'tool_search';
/** Tools tool_search loads when the model gives no limit, and the most it may ask for. */
export const TOOL_SEARCH_DEFAULT_LIMIT = 5;
export const TOOL_SEARCH_MAX_LIMIT = 20;

/** The tool_search definition, telling the model how many tools are hidden. */
export function toolSearchSpec(hiddenCount: number): ToolSpec {
  return canonicalize({
    name: TOOL_SEARCH_NAME,
    description: `Finds and loads tools that are not listed here. ${hiddenCount} more tool${hiddenCount === 1 ? ' is' : 's are'} available; call tool_search with keywords describing what you need, and the matching tools can be called from the next step on.`,
    inputSchema: {
      type: 'object',
      properties: {
        query: { type: 'string', description: 'Keywords describing what the tool should do.' },
        limit: {
          type: 'integer',
          minimum: 1,
          maximum: TOOL_SEARCH_MAX_LIMIT,
          description: `Most tools to load (default ${TOOL_SEARCH_DEFAULT_LIMIT}).`,
        },
      },
      required: ['query'],
      additionalProperties: false,
    },
  }) as ToolSpec;
}

/** Distinct definition inputs remembered per catalog (plan mode, loaded tools, sub-agent exclusions…). */
const DEFINITIONS_CACHE_SIZE = 32;

/** A key equal for inputs that give the same definitions (sets sorted; extras as given, so a miss is only slower). */
function definitionsKey(input: DefinitionsInput): string {
  return JSON.stringify([input.planMode, [...input.loaded].sort(), [...input.exclude].sort(), input.extra]);
}

interface Entry {
  readonly tool: CatalogTool;
  readonly spec: ToolSpec;
  readonly tokens: number;
  readonly terms: readonly string[];
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function specOf(name: string, description: string, inputSchema: unknown): ToolSpec {
  return canonicalize({ name, description, inputSchema }) as ToolSpec;
}

/**
 * Builds the catalog of one plugin snapshot. Names are assigned in plugin-id order (see assignToolNames), so
 * the same tools give the same catalog whatever order they come in.
 *
 * @example
 * const catalog = createToolCatalog(tools, { deferAboveTokens: config.agent.deferToolsAboveTokens });
 * const defs = catalog.definitions({ planMode: false, loaded: new Set(), exclude: new Set(), extra: pseudoTools });
 */
export function createToolCatalog(
  tools: readonly CatalogToolInput[],
  options: ToolCatalogOptions,
): ToolCatalog {
  const { named, warnings } = assignToolNames(tools);
  const entries: Entry[] = named
    .map(({ input, name }): Entry => {
      const prepared = preparedTool(name, input.toolName, input.description, input.inputSchema);
      const tool: CatalogTool = Object.freeze({
        name,
        pluginId: input.pluginId,
        toolName: input.toolName,
        description: input.description,
        inputSchema: prepared.inputSchema,
        risk: Object.freeze([...input.risk]),
        deferred: input.deferred,
        readOnly: input.risk.length > 0 && input.risk.every((r) => r === 'read'),
      });
      return { tool, spec: prepared.spec, tokens: prepared.tokens, terms: prepared.terms };
    })
    .sort((a, b) => compare(a.tool.name, b.tool.name));
  const byName = new Map(entries.map((e) => [e.tool.name, e]));
  const all = Object.freeze(entries.map((e) => e.tool));
  const index = createBm25Index(entries.map((e) => e.terms));
  const deferAbove = Math.max(0, options.deferAboveTokens);

  const search: ToolCatalog['search'] = (query, limit = TOOL_SEARCH_DEFAULT_LIMIT, filter) => {
    const max = Number.isFinite(limit) ? Math.max(0, Math.floor(limit)) : TOOL_SEARCH_DEFAULT_LIMIT;
    const scores = index.score(tokenize(query));
    const hits: ToolSearchHit[] = [];
    entries.forEach((entry, i) => {
      const score = scores[i] ?? 0;
      if (score > 0 && (filter === undefined || filter(entry.tool))) {
        hits.push({ name: entry.tool.name, description: entry.tool.description, score });
      }
    });
    hits.sort((a, b) => (b.score !== a.score ? b.score - a.score : compare(a.name, b.name)));
    return hits.slice(0, max);
  };

  // tool_search's definition depends only on a count: canonicalised once per count
  const searchSpecs = new Map<number, ToolSpec>();
  const searchSpec = (count: number): ToolSpec => {
    let spec = searchSpecs.get(count);
    if (spec === undefined) {
      spec = toolSearchSpec(count);
      if (searchSpecs.size < DEFINITIONS_CACHE_SIZE) searchSpecs.set(count, spec);
    }
    return spec;
  };
  const searchTokens = estimateJsonTokens(searchSpec(entries.length));

  const build = (input: DefinitionsInput): ToolDefinitions => {
    const { planMode, loaded, exclude } = input;
    // The catalog owns tool_search; an extra spec of that name is ignored, and so is a repeated name.
    const extraNames = new Set<string>();
    const extras: ToolSpec[] = [];
    for (const spec of input.extra) {
      if (spec.name === TOOL_SEARCH_NAME || exclude.has(spec.name) || extraNames.has(spec.name)) continue;
      extraNames.add(spec.name);
      extras.push(specOf(spec.name, spec.description, spec.inputSchema));
    }
    const visible: Entry[] = [];
    const hidden: Entry[] = [];
    for (const entry of entries) {
      const { tool } = entry;
      if (exclude.has(tool.name) || extraNames.has(tool.name) || (planMode && !tool.readOnly)) continue;
      (tool.deferred && !loaded.has(tool.name) ? hidden : visible).push(entry);
    }
    if (deferAbove > 0) {
      let size =
        visible.reduce((sum, e) => sum + e.tokens, 0) +
        extras.reduce((sum, s) => sum + estimateJsonTokens(s), 0) +
        (hidden.length > 0 ? searchTokens : 0);
      // Largest first (ties by name) so that as few tools as possible disappear; loaded tools always stay.
      const candidates = visible
        .filter((e) => !loaded.has(e.tool.name))
        .sort((a, b) => (b.tokens !== a.tokens ? b.tokens - a.tokens : compare(a.tool.name, b.tool.name)));
      for (const entry of candidates) {
        if (size <= deferAbove) break;
        visible.splice(visible.indexOf(entry), 1);
        if (hidden.length === 0) size += searchTokens;
        hidden.push(entry);
        size -= entry.tokens;
      }
    }
    const specs = [...visible.map((e) => e.spec), ...extras];
    if (hidden.length > 0) specs.push(searchSpec(hidden.length));
    specs.sort((a, b) => compare(a.name, b.name));
    const frozen = Object.freeze(specs);
    const json = JSON.stringify(frozen);
    return Object.freeze({
      specs: frozen,
      json,
      fingerprint: sha256Hex(json),
      deferred: Object.freeze(hidden.map((e) => e.tool.name).sort(compare)),
      estimatedTokens: estimateJsonTokens(json),
    });
  };

  // The catalog is immutable (one per plugin snapshot), so equal inputs give equal definitions: each model call
  // of a session reuses the frozen object (and its JSON, fingerprint and token estimate) instead of
  // re-canonicalising and re-serialising every tool.
  const cache = new Map<string, ToolDefinitions>();
  const definitions = (input: DefinitionsInput): ToolDefinitions => {
    const key = definitionsKey(input);
    const cached = cache.get(key);
    if (cached !== undefined) return cached;
    const built = build(input);
    if (cache.size >= DEFINITIONS_CACHE_SIZE) {
      const oldest = cache.keys().next();
      if (oldest.done !== true) cache.delete(oldest.value);
    }
    cache.set(key, built);
    return built;
  };

  return Object.freeze({
    warnings: Object.freeze(warnings),
    get: (name: string) => byName.get(name)?.tool,
    all: () => all,
    search,
    definitions,
  });
}
