import type { ToolSpec } from '@roku/schemas';
import { estimateJsonTokens } from '../router/tokens.js';
import { tokenize } from './bm25.js';
import { canonicalize } from './canonical.js';

/** A tool's parts that cost to compute: canonical schema, definition, its token estimate and search terms. */
export interface PreparedTool {
  readonly inputSchema: unknown;
  readonly spec: ToolSpec;
  readonly tokens: number;
  readonly terms: readonly string[];
}

/** Variants remembered per schema object (the same tool under another model-visible name, say). */
const MAX_VARIANTS = 4;

// Keyed by the manifest's schema object: a plugin kept across snapshots (its sandbox reused) keeps its manifest
// object, so a reload rebuilds the catalog without canonicalising, serialising or tokenising those tools again.
// Weak: a plugin dropped from every snapshot takes its entries with it.
const bySchema = new WeakMap<object, Map<string, PreparedTool>>();

/** Searchable text of a tool: its name twice (names matter most), description, input property names and descriptions. */
function searchTerms(name: string, toolName: string, description: string, schema: unknown): string[] {
  const parts = [name, name, description];
  if (toolName !== name) parts.push(toolName);
  const properties =
    typeof schema === 'object' && schema !== null
      ? (schema as { properties?: unknown }).properties
      : undefined;
  if (typeof properties === 'object' && properties !== null) {
    for (const [key, value] of Object.entries(properties as Record<string, unknown>)) {
      parts.push(key);
      const text = (value as { description?: unknown } | null)?.description;
      if (typeof text === 'string') parts.push(text);
    }
  }
  return tokenize(parts.join(' '));
}

function prepare(name: string, toolName: string, description: string, schema: unknown): PreparedTool {
  const inputSchema = canonicalize(schema);
  // keys in sorted order around an already canonical schema: the canonical form, without a second walk
  const spec = Object.freeze({ description, inputSchema, name }) as ToolSpec;
  return Object.freeze({
    inputSchema,
    spec,
    tokens: estimateJsonTokens(spec),
    terms: Object.freeze(searchTerms(name, toolName, description, inputSchema)),
  });
}

/** The prepared parts of a tool under its model-visible `name`, computed once per manifest schema object. */
export function preparedTool(
  name: string,
  toolName: string,
  description: string,
  schema: unknown,
): PreparedTool {
  if (typeof schema !== 'object' || schema === null) return prepare(name, toolName, description, schema);
  const key = JSON.stringify([name, toolName, description]);
  let variants = bySchema.get(schema);
  const cached = variants?.get(key);
  if (cached !== undefined) return cached;
  const prepared = prepare(name, toolName, description, schema);
  if (variants === undefined) {
    variants = new Map();
    bySchema.set(schema, variants);
  }
  if (variants.size >= MAX_VARIANTS) variants.clear();
  variants.set(key, prepared);
  return prepared;
}
