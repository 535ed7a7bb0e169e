import { SSEClientTransport, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import type { Transport } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { confinedCommand } from './confine.js';
import { limitedCommand } from './limits.js';
import type { McpServerEntry } from './types.js';

/** The environment of a local server: PATH and HOME, then exactly what its entry names. */
function serverEnv(entry: Record<string, string | undefined>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const key of ['PATH', 'HOME']) {
    const value = process.env[key];
    if (value !== undefined) env[key] = value;
  }
  for (const [key, value] of Object.entries(entry)) if (value !== undefined) env[key] = value;
  return env;
}

/** Which wire a remote entry is spoken to over: `http` tries Streamable HTTP first, `sse` is the older HTTP+SSE. */
export type RemoteWire = 'streamable-http' | 'sse';

/**
 * The transport of an entry: a url over Streamable HTTP (or the older HTTP+SSE for `type: "sse"` and the
 * fallback), else the command over stdio, started in the workspace with only the env its entry names (inside
 * bubblewrap for `confine`, under rlimits for `limits`).
 */
export async function transportOf(
  name: string,
  entry: McpServerEntry,
  workspace: string,
  hidden: readonly string[],
  wire: RemoteWire = 'streamable-http',
): Promise<Transport> {
  if ('url' in entry) {
    const requestInit = { headers: { ...(entry.headers as Record<string, string> | undefined) } };
    const url = new URL(entry.url);
    return entry.type === 'sse' || wire === 'sse'
      ? // eslint-disable-next-line @typescript-eslint/no-deprecated -- the older transport is what `sse` servers speak
        new SSEClientTransport(url, { requestInit })
      : new StreamableHTTPClientTransport(url, { requestInit });
  }
  let command = { command: entry.command, args: [...(entry.args ?? [])], env: serverEnv(entry.env ?? {}) };
  if (entry.confine !== undefined && entry.confine !== false) {
    command = await confinedCommand({
      server: name,
      ...command,
      workspace,
      hidden,
      grants: entry.confine === true ? {} : entry.confine,
    });
  }
  if (entry.limits !== undefined) command = await limitedCommand(name, command, entry.limits);
  return new StdioClientTransport({ ...command, cwd: workspace, stderr: 'pipe' });
}

/**
 * Whether a failed Streamable HTTP handshake should be retried over HTTP+SSE: the MCP spec's backwards
 * compatibility says a 4xx to the initialize POST (404, 405 …) means an older server. 401 and 403 are about
 * credentials, never a reason to switch.
 */
export function wantsSseFallback(err: unknown): boolean {
  const status = (err as { status?: unknown } | null)?.status;
  if (typeof status === 'number') return status >= 400 && status < 500 && status !== 401 && status !== 403;
  const message = err instanceof Error ? err.message : String(err);
  return /\b(404|405|400)\b/.test(message) && !/\b40[13]\b/.test(message);
}
