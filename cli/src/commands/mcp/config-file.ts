import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { CONFIG_FILE_NAME, resolveHome } from '@roku/host';
import { RokuError, createHostConfigValidator } from '@roku/schemas';
import type { CliIo } from '../../io.js';

/** One MCP server entry as the config file holds it. */
export type McpEntry = Record<string, unknown>;

/** The config file `roku mcp` edits: --config, else ROKU_CONFIG_FILE, else $ROKU_HOME/config.json. */
export function configFilePath(io: CliIo, file: string | undefined): string {
  const explicit = file ?? (io.env.ROKU_CONFIG_FILE === '' ? undefined : io.env.ROKU_CONFIG_FILE);
  return explicit === undefined ? join(resolveHome(io.env), CONFIG_FILE_NAME) : resolve(io.cwd, explicit);
}

/**
 * Reads the file's JSON object (an absent file is `{}`).
 * @throws ROKU_CONFIG_MALFORMED
 */
export function readConfigObject(file: string): Record<string, unknown> {
  if (!existsSync(file)) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new RokuError('ROKU_CONFIG_MALFORMED', `${file}: ${(err as Error).message}`, { details: { file } });
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new RokuError('ROKU_CONFIG_MALFORMED', `${file}: the configuration must be a JSON object`, {
      details: { file },
    });
  }
  return parsed as Record<string, unknown>;
}

/** The file's `mcpServers`, as a fresh object. */
export function serversOf(config: Record<string, unknown>): Record<string, McpEntry> {
  const servers = config.mcpServers;
  return typeof servers === 'object' && servers !== null ? { ...(servers as Record<string, McpEntry>) } : {};
}

/**
 * Writes `mcpServers` back after checking the whole configuration against the schema, atomically (a temp file
 * renamed over the old one), so a bad entry never reaches the file.
 * @throws ROKU_CONFIG_INVALID naming each problem's key path
 */
export function writeServers(
  file: string,
  config: Record<string, unknown>,
  servers: Record<string, McpEntry>,
): void {
  const next = { ...config, mcpServers: servers };
  const result = createHostConfigValidator().validate(next);
  if (!result.ok) {
    const issues = result.issues.map((i) => `${i.path === '' ? '(root)' : i.path}: ${i.message}`).join('; ');
    throw new RokuError('ROKU_CONFIG_INVALID', `the change would make ${file} invalid: ${issues}`, {
      details: { file, issues: result.issues },
    });
  }
  const temp = `${file}.${process.pid}.tmp`;
  writeFileSync(temp, `${JSON.stringify(next, null, 2)}\n`, { mode: 0o600 });
  renameSync(temp, file);
}

/**
 * An entry of another tool's MCP file (Claude Desktop, Cursor, VS Code) in Roku's shape: `command`/`args`/`env`,
 * or `type: "http"` with `url`/`headers` (Cursor's url-only entries and `streamable-http` included), or
 * `type: "sse"` (the older HTTP+SSE transport). Keys Roku
 * does not use are named in `dropped`.
 */
export function importedEntry(raw: unknown): { entry: McpEntry; dropped: string[] } | { problem: string } {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return { problem: 'not an object' };
  const source = raw as Record<string, unknown>;
  const type = source.type;
  const isHttp = typeof source.url === 'string' && source.command === undefined;
  if (isHttp) {
    if (type !== undefined && type !== 'http' && type !== 'streamable-http' && type !== 'sse') {
      return {
        problem: `transport ${JSON.stringify(type)} is not supported (only stdio, Streamable HTTP and HTTP+SSE)`,
      };
    }
    const entry: McpEntry = { type: type === 'sse' ? 'sse' : 'http', url: source.url };
    if (source.headers !== undefined) entry.headers = source.headers;
    return { entry, dropped: Object.keys(source).filter((k) => !['type', 'url', 'headers'].includes(k)) };
  }
  if (typeof source.command !== 'string') return { problem: 'neither a command nor a url' };
  const entry: McpEntry = { command: source.command };
  if (source.args !== undefined) entry.args = source.args;
  if (source.env !== undefined) entry.env = source.env;
  if (source.disabled === true) entry.disabled = true;
  const known = ['type', 'command', 'args', 'env', 'disabled'];
  return { entry, dropped: Object.keys(source).filter((k) => !known.includes(k)) };
}
