import { RokuError } from '@roku/plugin-api';
import type { PluginContext } from '@roku/plugin-api';

/** Largest file the tools open: the manifest's outputBytes, which also bounds the host's fs.read. */
export const MAX_OPEN_BYTES = 4 * 1024 * 1024;
/** Bytes checked for NUL to tell binary files from text. */
const SNIFF_BYTES = 8192;

/** The end of the longest prefix of at most `max` bytes that does not split a UTF-8 character. */
export function utf8Cut(bytes: Uint8Array, max: number): number {
  if (max >= bytes.length) return bytes.length;
  let cut = max;
  // Continuation bytes are 10xxxxxx: back up to the first byte of the character at the cut.
  while (cut > 0 && ((bytes[cut] ?? 0) & 0xc0) === 0x80) cut -= 1;
  return cut;
}

/** UTF-8 to text, keeping a byte order mark (so that an append writes it back) and replacing invalid bytes. */
export function decodeUtf8(bytes: Uint8Array): string {
  return new TextDecoder('utf-8', { ignoreBOM: true }).decode(bytes);
}

export function utf8Length(text: string): number {
  return new TextEncoder().encode(text).length;
}

/**
 * Reads a workspace file as bytes, refusing binary files.
 *
 * @throws ROKU_WORKSPACE_FILE_TOO_LARGE, ROKU_WORKSPACE_BINARY_FILE, or the host's capability error
 *   (ROKU_CAPABILITY_FAILED when the file does not exist, ROKU_CAPABILITY_DENIED outside the workspace).
 */
export async function readTextBytes(ctx: PluginContext, tool: string, path: string): Promise<Uint8Array> {
  let bytes: Uint8Array;
  try {
    bytes = await ctx.fs.readBytes('workspace', path);
  } catch (err) {
    if ((err as { code?: unknown }).code === 'ROKU_CAPABILITY_LIMIT') {
      throw new RokuError(
        'ROKU_WORKSPACE_FILE_TOO_LARGE',
        `${tool}: ${JSON.stringify(path)} is larger than ${MAX_OPEN_BYTES} bytes, the most the file tools can open`,
      );
    }
    throw err;
  }
  if (bytes.subarray(0, SNIFF_BYTES).includes(0)) {
    throw new RokuError(
      'ROKU_WORKSPACE_BINARY_FILE',
      `${tool}: ${JSON.stringify(path)} is a binary file (it contains NUL bytes); the file tools handle text only`,
    );
  }
  return bytes;
}

/**
 * Whether a file is absent: its folder does not list it, or the folder itself does not exist. Any other failure
 * is thrown, so that an append never mistakes an unreadable file for a new one.
 */
export async function isMissing(ctx: PluginContext, path: string): Promise<boolean> {
  const slash = path.lastIndexOf('/');
  const folder = slash < 0 ? '' : path.slice(0, slash);
  const name = path.slice(slash + 1);
  try {
    return !(await ctx.fs.list('workspace', folder)).some((entry) => entry.name === name);
  } catch (err) {
    if ((err as { code?: unknown }).code === 'ROKU_CAPABILITY_FAILED') return true;
    throw err;
  }
}
