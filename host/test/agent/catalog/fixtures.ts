import type { ToolSpec } from '@roku/schemas';
import type { CatalogToolInput } from '../../../src/agent/catalog/index.js';

export function tool(
  pluginId: string,
  toolName: string,
  extra: Partial<CatalogToolInput> = {},
): CatalogToolInput {
  return {
    pluginId,
    toolName,
    description: `${toolName} tool`,
    inputSchema: { type: 'object', properties: {} },
    risk: ['read'],
    deferred: false,
    ...extra,
  };
}

/** A small, realistic tool set from three plugins. */
export function toolSet(): CatalogToolInput[] {
  return [
    tool('@roku/fs', 'read_file', {
      description: 'Reads a text file from the workspace and returns its content.',
      inputSchema: {
        type: 'object',
        required: ['path'],
        properties: {
          path: { type: 'string', description: 'File path relative to the workspace.' },
          maxBytes: { type: 'integer', minimum: 1 },
        },
      },
    }),
    tool('@roku/fs', 'write_file', {
      description: 'Writes text to a file in the workspace, replacing it.',
      inputSchema: {
        properties: { content: { type: 'string' }, path: { type: 'string' } },
        type: 'object',
        required: ['path', 'content'],
      },
      risk: ['write'],
    }),
    tool('@roku/web', 'fetchUrl', {
      description: 'Downloads a web page over HTTP and returns it as text.',
      inputSchema: { type: 'object', properties: { url: { type: 'string', description: 'An https URL.' } } },
      risk: ['read', 'network'],
    }),
    tool('@roku/web', 'search_web', {
      description: 'Searches the web with a query and returns result titles and links.',
      risk: ['read'],
      deferred: true,
    }),
    tool('@roku/shell', 'run_command', {
      description: 'Runs a shell command in the workspace.',
      risk: ['exec'],
    }),
  ];
}

export const PSEUDO_TOOLS: ToolSpec[] = [
  {
    name: 'final_answer',
    description: 'Ends the run with an answer.',
    inputSchema: { type: 'object', properties: { message: { type: 'string' } }, required: ['message'] },
  },
  { name: 'fail', description: 'Ends the run as failed.', inputSchema: { type: 'object', properties: {} } },
];

export const NONE: ReadonlySet<string> = new Set();

/** Shuffles deterministically (seeded LCG), for order-independence checks. */
export function shuffled<T>(items: readonly T[], seed: number): T[] {
  const copy = [...items];
  let state = seed;
  for (let i = copy.length - 1; i > 0; i -= 1) {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    const j = state % (i + 1);
    [copy[i], copy[j]] = [copy[j]!, copy[i]!];
  }
  return copy;
}

/** The same JSON with object keys in reverse order at every level. */
export function reversedKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(reversedKeys);
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(
      Object.entries(value)
        .reverse()
        .map(([k, v]) => [k, reversedKeys(v)]),
    );
  }
  return value;
}
