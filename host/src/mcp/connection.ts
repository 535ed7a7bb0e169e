import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import type { Transport } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { RokuError } from '@roku/schemas';
import type { Logger } from 'pino';
import { confinedCommand } from './confine.js';
import { mcpToolName } from './names.js';
import type { McpServerEntry, McpTool } from './types.js';

/** Handshake and tools/list must finish within this, or the server is left out. */
const CONNECT_TIMEOUT_MS = 15_000;
/** Spec §3.3: MCP tool timeout. */
export const MCP_CALL_TIMEOUT_MS = 30_000;
/** Tools taken from one server at most. */
const MAX_TOOLS = 256;
/** Last bytes of a local server's stderr kept to explain why it failed. */
const STDERR_TAIL = 2000;

const VERSION = '0.1.0';

/** Risk from the server's hints. A read-only hint still counts as external (`network`): the user is asked. */
function riskOf(annotations: unknown): McpTool['risk'] {
  const a = (annotations ?? {}) as { readOnlyHint?: unknown; destructiveHint?: unknown };
  if (a.readOnlyHint === true) return ['network', 'read'];
  if (a.destructiveHint === false) return ['exec'];
  return ['exec', 'write'];
}

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

/**
 * The transport of an entry: Streamable HTTP for a url, else the command over stdio, started in the workspace
 * with only the env its entry names (and inside bubblewrap for `confine: true`).
 */
async function transportOf(
  name: string,
  entry: McpServerEntry,
  workspace: string,
  hidden: readonly string[],
): Promise<Transport> {
  if (entry.type === 'http') {
    return new StreamableHTTPClientTransport(new URL(entry.url), {
      requestInit: { headers: { ...(entry.headers as Record<string, string>) } },
    });
  }
  let command = { command: entry.command, args: [...(entry.args ?? [])], env: serverEnv(entry.env ?? {}) };
  if (entry.confine === true) {
    command = await confinedCommand({ server: name, ...command, workspace, hidden });
  }
  return new StdioClientTransport({ ...command, cwd: workspace, stderr: 'pipe' });
}

/** A live connection to one MCP server. */
export class McpConnection {
  readonly name: string;
  readonly #client: Client;
  readonly #transport: Transport;
  readonly #stderr: string[] = [];
  #closed = false;
  #problem: string | undefined;

  private constructor(name: string, client: Client, transport: Transport) {
    this.name = name;
    this.#client = client;
    this.#transport = transport;
  }

  /** Why the connection is gone, once it is. */
  get problem(): string | undefined {
    return this.#problem;
  }

  /**
   * Starts (stdio) or reaches (http) the server, completes the handshake and lists its tools.
   * @throws ROKU_MCP_SERVER_FAILED naming the server and the cause (stderr's tail for a local one)
   */
  static async open(
    name: string,
    entry: McpServerEntry,
    workspace: string,
    hidden: readonly string[],
    logger: Logger,
  ): Promise<{ connection: McpConnection; tools: McpTool[]; protocol: string }> {
    const transport = await transportOf(name, entry, workspace, hidden);
    // Both protocol eras: 2026-07-28 when the server speaks it, else the 2025-11-25 family.
    const client = new Client({ name: 'roku', version: VERSION }, { versionNegotiation: { mode: 'auto' } });
    const connection = new McpConnection(name, client, transport);
    if (transport instanceof StdioClientTransport) {
      transport.stderr?.on('data', (chunk: Buffer) => {
        connection.#keepStderr(chunk.toString('utf8'));
      });
    }
    client.onclose = () => {
      if (connection.#closed) return;
      connection.#closed = true;
      connection.#problem = `the server went away${connection.#stderrTail()}`;
      logger.warn({ server: name, problem: connection.#problem }, 'MCP server went away');
    };
    client.onerror = (err) => {
      logger.debug({ server: name, err }, 'MCP transport error');
    };
    try {
      const signal = AbortSignal.timeout(CONNECT_TIMEOUT_MS);
      await Promise.race([
        client.connect(transport),
        new Promise((_, reject) => {
          signal.addEventListener('abort', () => {
            reject(new Error(`no handshake within ${CONNECT_TIMEOUT_MS} ms`));
          });
        }),
      ]);
      const listed = await client.listTools(undefined, { signal, timeout: CONNECT_TIMEOUT_MS });
      const tools = listed.tools.slice(0, MAX_TOOLS).map((tool): McpTool => ({
        name: mcpToolName(name, tool.name),
        serverName: tool.name,
        description: (tool.description ?? tool.title ?? tool.name).slice(0, 4000) || tool.name,
        inputSchema: { ...(tool.inputSchema as Record<string, unknown>), type: 'object' },
        risk: riskOf(tool.annotations),
      }));
      return { connection, tools, protocol: client.getNegotiatedProtocolVersion() ?? 'unknown' };
    } catch (err) {
      const tail = connection.#stderrTail();
      await connection.close();
      const message = err instanceof Error ? err.message : String(err);
      throw new RokuError(
        'ROKU_MCP_SERVER_FAILED',
        `MCP server "${name}" failed to start: ${message}${tail}`,
        {
          details: { server: name },
        },
      );
    }
  }

  /**
   * Calls a tool and returns its text (structured content when the server gives it, else its text parts).
   * @throws ROKU_MCP_CALL_FAILED (an error result, a timeout, the server gone)
   */
  async call(tool: string, args: unknown, signal?: AbortSignal): Promise<string> {
    if (this.#closed) throw this.#failed(tool, this.#problem ?? 'the server is not connected');
    let result;
    try {
      result = await this.#client.callTool(
        { name: tool, arguments: (args ?? {}) as Record<string, unknown> },
        { timeout: MCP_CALL_TIMEOUT_MS, ...(signal === undefined ? {} : { signal }) },
      );
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      throw this.#failed(tool, `${message}${this.#problem === undefined ? '' : this.#stderrTail()}`);
    }
    const text =
      result.structuredContent !== undefined
        ? JSON.stringify(result.structuredContent)
        : result.content
            .map((part) => (part.type === 'text' ? part.text : `[${part.type} content]`))
            .join('\n');
    if (result.isError === true) throw this.#failed(tool, text);
    return text;
  }

  /** Ends the connection; a local server's process is stopped (the SDK ends it with SIGTERM, then SIGKILL). */
  async close(): Promise<void> {
    this.#closed = true;
    this.#problem ??= 'closed';
    await this.#client.close().catch(() => undefined);
    await this.#transport.close().catch(() => undefined);
  }

  #failed(tool: string, why: string): RokuError {
    return new RokuError('ROKU_MCP_CALL_FAILED', `MCP server "${this.name}", tool ${tool}: ${why}`, {
      details: { server: this.name, tool },
    });
  }

  #keepStderr(text: string): void {
    this.#stderr.push(text);
    while (this.#stderr.join('').length > STDERR_TAIL * 2) this.#stderr.shift();
  }

  #stderrTail(): string {
    const text = this.#stderr.join('').trim().slice(-STDERR_TAIL);
    return text === '' ? '' : ` (stderr: ${text})`;
  }
}
