import type { ToolSpec } from '@roku/plugin-api';

/** The read-only tools the explorer offers its model (toolset-fs); the host runs only read-risk tools for it. */
export const EXPLORE_TOOLS: readonly ToolSpec[] = [
  {
    name: 'read_file',
    description: 'Read a text file of the workspace.',
    inputSchema: {
      type: 'object',
      properties: { path: { type: 'string', description: 'File path relative to the workspace root.' } },
      required: ['path'],
      additionalProperties: false,
    },
  },
  {
    name: 'list_dir',
    description: 'List a folder of the workspace.',
    inputSchema: {
      type: 'object',
      properties: {
        path: { type: 'string', description: 'Folder relative to the workspace root; empty for the root.' },
      },
      additionalProperties: false,
    },
  },
];

export const EXPLORE_TOOL_NAMES: ReadonlySet<string> = new Set(EXPLORE_TOOLS.map((t) => t.name));
