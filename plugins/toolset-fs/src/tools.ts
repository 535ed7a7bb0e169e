import { defineTool } from '@roku/plugin-api';
import type { PluginContext } from '@roku/plugin-api';
import { workspacePath } from './paths.js';
import { decodeUtf8, isMissing, readTextBytes, utf8Length } from './text.js';

export const MAX_LIST_ENTRIES = 200;

export interface ListDirOutput {
  readonly path: string;
  readonly entries: { name: string; type: 'file' | 'dir' }[];
  readonly total: number;
  readonly truncated: boolean;
}

/** list_dir: a workspace folder's files and folders, sorted by name, at most 200. */
export const listDir = defineTool({
  name: 'list_dir',
  handler: async (input: { readonly path?: string }, ctx: PluginContext): Promise<ListDirOutput> => {
    const path = workspacePath('list_dir', input.path ?? '', { allowRoot: true });
    const all = await ctx.fs.list('workspace', path);
    // Code-unit order: the same on every machine, unlike localeCompare.
    const sorted = all
      .map(({ name, type }) => ({ name, type }))
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    return {
      path: path === '' ? '.' : path,
      entries: sorted.slice(0, MAX_LIST_ENTRIES),
      total: sorted.length,
      truncated: sorted.length > MAX_LIST_ENTRIES,
    };
  },
});

export interface WriteFileInput {
  readonly path: string;
  readonly content: string;
  readonly append?: boolean;
}

/** write_file: writes (or appends to) a workspace text file; returns its size afterwards. */
export const writeFile = defineTool({
  name: 'write_file',
  handler: async (input: WriteFileInput, ctx: PluginContext): Promise<{ path: string; bytes: number }> => {
    const path = workspacePath('write_file', input.path, { allowRoot: false });
    let text = input.content;
    if (input.append === true) {
      try {
        text = decodeUtf8(await readTextBytes(ctx, 'write_file', path)) + text;
      } catch (err) {
        // Appending to a file that does not exist yet creates it.
        if ((err as { code?: unknown }).code !== 'ROKU_CAPABILITY_FAILED' || !(await isMissing(ctx, path))) {
          throw err;
        }
      }
    }
    await ctx.fs.writeText('workspace', path, text);
    return { path, bytes: utf8Length(text) };
  },
});
