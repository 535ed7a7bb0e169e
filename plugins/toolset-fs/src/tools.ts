import { defineTool } from '@roku/plugin-api';
import type { PluginContext } from '@roku/plugin-api';
import { workspacePath } from './paths.js';
import { decodeUtf8, isMissing, readTextBytes, utf8Cut, utf8Length } from './text.js';

export const DEFAULT_READ_BYTES = 65_536;
export const MAX_READ_BYTES = 262_144;
export const MAX_LIST_ENTRIES = 200;

export interface ReadFileInput {
  readonly path: string;
  readonly maxBytes?: number;
}
export interface ReadFileOutput {
  readonly path: string;
  readonly content: string;
  readonly bytes: number;
  readonly truncated: boolean;
  /** Set when maxBytes was over the cap and was clamped to it (spec check 6: clamped, not refused). */
  readonly note?: string;
}

/**
 * read_file: the text of a workspace file, cut to maxBytes (at a character boundary) with a marker line. A
 * maxBytes over MAX_READ_BYTES is clamped to it, and the result says so.
 */
export const readFile = defineTool({
  name: 'read_file',
  handler: async (input: ReadFileInput, ctx: PluginContext): Promise<ReadFileOutput> => {
    const path = workspacePath('read_file', input.path, { allowRoot: false });
    const asked = Math.max(1, Math.floor(input.maxBytes ?? DEFAULT_READ_BYTES));
    const max = Math.min(asked, MAX_READ_BYTES);
    const bytes = await readTextBytes(ctx, 'read_file', path);
    const cut = utf8Cut(bytes, max);
    const text = decodeUtf8(bytes.subarray(0, cut));
    const truncated = cut < bytes.length;
    return {
      path,
      content: truncated ? `${text}\n[truncated: ${cut} of ${bytes.length} bytes shown]` : text,
      bytes: bytes.length,
      truncated,
      ...(asked > MAX_READ_BYTES
        ? { note: `maxBytes ${asked} is over the ${MAX_READ_BYTES}-byte cap; clamped to ${MAX_READ_BYTES}` }
        : {}),
    };
  },
});

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
