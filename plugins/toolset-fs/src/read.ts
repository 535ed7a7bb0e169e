import { defineTool, RokuError } from '@roku/plugin-api';
import type { PluginContext } from '@roku/plugin-api';
import { workspacePath } from './paths.js';
import { decodeUtf8, readTextBytes, utf8Cut } from './text.js';

export const DEFAULT_READ_BYTES = 65_536;
export const MAX_READ_BYTES = 262_144;

export interface ReadFileInput {
  readonly path: string;
  readonly maxBytes?: number;
  /** Byte offset to start at (moved forward to the next character boundary). */
  readonly offset?: number;
  /** First line to return, 1-based. */
  readonly startLine?: number;
  /** Last line to return, inclusive. */
  readonly endLine?: number;
}
export interface ReadFileOutput {
  readonly path: string;
  readonly content: string;
  readonly bytes: number;
  readonly truncated: boolean;
  /** Set when maxBytes was over the cap and was clamped to it (spec check 6: clamped, not refused). */
  readonly note?: string;
  readonly offset?: number;
  readonly startLine?: number;
  readonly endLine?: number;
  readonly totalLines?: number;
}

function badRange(message: string): RokuError {
  return new RokuError('ROKU_WORKSPACE_BAD_RANGE', `read_file: ${message}`);
}

/** Byte offset of the first byte of line `line` (1-based); `bytes.length` when the file has fewer lines. */
function lineStarts(bytes: Uint8Array): number[] {
  const starts = [0];
  for (let i = 0; i < bytes.length; i++) if (bytes[i] === 0x0a && i + 1 < bytes.length) starts.push(i + 1);
  return starts;
}

/** The byte window a read asks for, plus the line numbers it covers when it asked by line. */
function window(
  input: ReadFileInput,
  bytes: Uint8Array,
): { start: number; end: number; lines?: { startLine: number; endLine: number; totalLines: number } } {
  const byLine = input.startLine !== undefined || input.endLine !== undefined;
  if (byLine && input.offset !== undefined) {
    throw badRange('give either offset (bytes) or startLine/endLine (lines), not both');
  }
  if (!byLine) {
    let start = Math.max(0, Math.floor(input.offset ?? 0));
    if (start > bytes.length) {
      throw badRange(`offset ${start} is past the end of the file (${bytes.length} bytes)`);
    }
    // Never start inside a character: skip its continuation bytes.
    while (start < bytes.length && ((bytes[start] ?? 0) & 0xc0) === 0x80) start += 1;
    return { start, end: bytes.length };
  }
  const starts = lineStarts(bytes);
  const totalLines = bytes.length === 0 ? 0 : starts.length;
  const startLine = Math.max(1, Math.floor(input.startLine ?? 1));
  const endLine = Math.min(totalLines, Math.floor(input.endLine ?? totalLines));
  if (startLine > totalLines) {
    throw badRange(`startLine ${startLine} is past the end of the file (${totalLines} lines)`);
  }
  if (endLine < startLine) throw badRange(`endLine ${input.endLine} is before startLine ${startLine}`);
  return {
    start: starts[startLine - 1] ?? bytes.length,
    end: starts[endLine] ?? bytes.length,
    lines: { startLine, endLine, totalLines },
  };
}

/**
 * read_file: the text of a workspace file, or a byte or line range of it, cut to maxBytes (at a character
 * boundary) with a marker line. A maxBytes over MAX_READ_BYTES is clamped to it, and the result says so.
 *
 * @throws ROKU_WORKSPACE_BAD_RANGE, ROKU_WORKSPACE_BINARY_FILE, ROKU_WORKSPACE_FILE_TOO_LARGE
 */
export const readFile = defineTool({
  name: 'read_file',
  handler: async (input: ReadFileInput, ctx: PluginContext): Promise<ReadFileOutput> => {
    const path = workspacePath('read_file', input.path, { allowRoot: false });
    const asked = Math.max(1, Math.floor(input.maxBytes ?? DEFAULT_READ_BYTES));
    const max = Math.min(asked, MAX_READ_BYTES);
    const bytes = await readTextBytes(ctx, 'read_file', path);
    const range = window(input, bytes);
    const slice = bytes.subarray(range.start, range.end);
    const cut = utf8Cut(slice, max);
    const text = decodeUtf8(slice.subarray(0, cut));
    const truncated = range.start > 0 || range.start + cut < bytes.length;
    const shortened = cut < slice.length;
    return {
      path,
      content: shortened ? `${text}\n[truncated: ${cut} of ${bytes.length} bytes shown]` : text,
      bytes: bytes.length,
      truncated,
      ...(asked > MAX_READ_BYTES
        ? { note: `maxBytes ${asked} is over the ${MAX_READ_BYTES}-byte cap; clamped to ${MAX_READ_BYTES}` }
        : {}),
      ...(input.offset === undefined ? {} : { offset: range.start }),
      ...(range.lines ?? {}),
    };
  },
});
