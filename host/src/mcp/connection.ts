import { Client } from '@modelcontextprotocol/client';
import type { Transport } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { RokuError } from '@roku/schemas';
import type { Logger } from 'pino';
import type { ToolDefinition } from './pins.js';
import { transportOf, wantsSseFallback } from './transport.js';
import type { McpServerEntry } from './types.js';

/** Handshake and tools/list must finish within this (unless the entry says `startupTimeoutMs`). */
const CONNECT_TIMEOUT_MS = 15_000;
/** Spec §3.3: MCP tool timeout. */
export const MCP_CALL_TIMEOUT_MS = 30_000;
/** Tools taken from one server at most. */
const MAX_TOOLS = 256;
/** Last bytes of a local server's stderr kept to explain why it failed. */
const STDERR_TAIL = 2000;

const VERSION = '0.1.0';

/** What a connection reports to its owner after the handshake. */
export interface ConnectionEvents {
  /** The server went away on its own (not closed by us); `why` has the stderr tail. */
  readonly onGone?: (why: string) => void;
  /** The server said its tool list changed; `tools` is the new list (already fetched). */
  readonly onToolsChanged?: (tools: ToolDefinition[]) => void;
}

/** The definition the bridge pins and offers, from the server's listing. */
function definitionOf(tool: {
  name: string;
  title?: string | undefined;
  description?: string | undefined;
  inputSchema: unknown;
  annotations?: unknown;
}): ToolDefinition {
  return {
    name: tool.name,
    ...(tool.title === undefined ? {} : { title: tool.title }),
    ...(tool.description === undefined ? {} : { description: tool.description }),
    inputSchema: tool.inputSchema,
    ...(tool.annotations === undefined ? {} : { annotations: tool.annotations }),
  };
}

/**
 * Whether a failed request means the remote server is gone (refused or dropped connection, a gateway error, or
 * 404 for a session it no longer knows after a restart): the connection is then treated as closed and reconnected.
 */
function connectionLost(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e !== undefined && e !== null && depth < 5; depth += 1) {
    const o = e as { code?: unknown; status?: unknown; message?: unknown; cause?: unknown };
    if (
      typeof o.code === 'string' &&
      /^(ECONNREFUSED|ECONNRESET|EPIPE|EHOSTUNREACH|UND_ERR_SOCKET)$/.test(o.code)
    )
      return true;
    if (typeof o.status === 'number' && [404, 502, 503, 504].includes(o.status)) return true;
    if (typeof o.message === 'string' && /fetch failed|other side closed/i.test(o.message)) return true;
    e = o.cause;
  }
  return false;
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** A live connection to one MCP server. */
export class McpConnection {
  readonly name: string;
  readonly #client: Client;
  readonly #transport: Transport;
  readonly #stderr: string[] = [];
  readonly #callTimeoutMs: number;
  /** Set once connected (remote servers): ends the connection as gone after a request showed it is. */
  #lost: ((why: string) => void) | undefined;
  #closed = false;
  #problem: string | undefined;

  private constructor(name: string, client: Client, transport: Transport, callTimeoutMs: number) {
    this.name = name;
    this.#client = client;
    this.#transport = transport;
    this.#callTimeoutMs = callTimeoutMs;
  }

  /** Why the connection is gone, once it is. */
  get problem(): string | undefined {
    return this.#problem;
  }

  /** What the server offers besides tools (from its initialize answer). */
  get offers(): { resources: boolean; prompts: boolean } {
    const caps = this.#client.getServerCapabilities();
    return { resources: caps?.resources !== undefined, prompts: caps?.prompts !== undefined };
  }

  /**
   * Starts (stdio) or reaches (http, sse) the server, completes the handshake and lists its tools. An `http`
   * entry whose server answers the initialize POST with a 4xx is tried again over the older HTTP+SSE.
   * @throws ROKU_MCP_SERVER_FAILED naming the server and the cause (stderr's tail for a local one)
   */
  static async open(
    name: string,
    entry: McpServerEntry,
    options: {
      readonly workspace: string;
      readonly hidden: readonly string[];
      readonly logger: Logger;
      readonly events?: ConnectionEvents;
    },
  ): Promise<{ connection: McpConnection; tools: ToolDefinition[]; protocol: string; wire: string }> {
    try {
      return await McpConnection.#openOver(name, entry, options, 'streamable-http');
    } catch (err) {
      if (entry.type !== 'http' || !wantsSseFallback((err as { cause?: unknown }).cause)) throw err;
      options.logger.info({ server: name }, 'streamable http refused, trying http+sse');
      try {
        return await McpConnection.#openOver(name, entry, options, 'sse');
      } catch (second) {
        throw new RokuError(
          'ROKU_MCP_SERVER_FAILED',
          `${(err as Error).message}; over the older HTTP+SSE too: ${messageOf((second as { cause?: unknown }).cause ?? second)}`,
          { details: { server: name } },
        );
      }
    }
  }

  static async #openOver(
    name: string,
    entry: McpServerEntry,
    options: {
      readonly workspace: string;
      readonly hidden: readonly string[];
      readonly logger: Logger;
      readonly events?: ConnectionEvents;
    },
    wire: 'streamable-http' | 'sse',
  ): Promise<{ connection: McpConnection; tools: ToolDefinition[]; protocol: string; wire: string }> {
    const { logger, events } = options;
    const transport = await transportOf(name, entry, options.workspace, options.hidden, wire);
    const isSse = entry.type === 'sse' || (entry.type === 'http' && wire === 'sse');
    // Both protocol eras: 2026-07-28 when the server speaks it, else the 2025-11-25 family. Over the
    // older HTTP+SSE there is only the 2025 family to speak.
    const client = new Client(
      { name: 'roku', version: VERSION },
      {
        ...(isSse ? {} : { versionNegotiation: { mode: 'auto' as const } }),
        listChanged: {
          tools: {
            onChanged: (error, tools) => {
              if (error !== null || tools === null) {
                logger.warn({ server: name, err: error }, 'mcp tools reload failed');
                return;
              }
              events?.onToolsChanged?.(tools.slice(0, MAX_TOOLS).map(definitionOf));
            },
          },
        },
      },
    );
    const connection = new McpConnection(name, client, transport, entry.callTimeoutMs ?? MCP_CALL_TIMEOUT_MS);
    if (transport instanceof StdioClientTransport) {
      transport.stderr?.on('data', (chunk: Buffer) => {
        connection.#keepStderr(chunk.toString('utf8'));
      });
    }
    let ready = false;
    client.onclose = () => {
      if (connection.#closed) return;
      connection.#closed = true;
      connection.#problem = `the server went away${connection.#stderrTail()}`;
      logger.warn({ server: name, problem: connection.#problem }, 'mcp server went away');
      if (ready) events?.onGone?.(connection.#problem);
    };
    client.onerror = (err) => {
      logger.debug({ server: name, err }, 'mcp transport error');
    };
    try {
      const startup = entry.startupTimeoutMs ?? CONNECT_TIMEOUT_MS;
      const signal = AbortSignal.timeout(startup);
      await Promise.race([
        client.connect(transport),
        new Promise((_, reject) => {
          signal.addEventListener('abort', () => {
            reject(new Error(`no handshake within ${startup} ms`));
          });
        }),
      ]);
      const listed = await client.listTools(undefined, { signal, timeout: startup });
      ready = true;
      if (!(transport instanceof StdioClientTransport)) {
        // HTTP has no process to watch: a request that finds the server gone says so
        connection.#lost = (why) => {
          if (connection.#closed) return;
          connection.#closed = true;
          connection.#problem = `the server is unreachable: ${why}`;
          logger.warn({ server: name, problem: connection.#problem }, 'mcp server went away');
          void client.close().catch(() => undefined);
          events?.onGone?.(connection.#problem);
        };
      }
      return {
        connection,
        tools: listed.tools.slice(0, MAX_TOOLS).map(definitionOf),
        protocol: client.getNegotiatedProtocolVersion() ?? 'unknown',
        wire:
          entry.type === 'http' || entry.type === 'sse' ? (isSse ? 'http+sse' : 'streamable-http') : 'stdio',
      };
    } catch (err) {
      const tail = connection.#stderrTail();
      await connection.close();
      throw new RokuError(
        'ROKU_MCP_SERVER_FAILED',
        `MCP server "${name}" failed to start: ${messageOf(err)}${tail}`,
        { details: { server: name }, cause: err },
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
        { timeout: this.#callTimeoutMs, ...(signal === undefined ? {} : { signal }) },
      );
    } catch (err) {
      if (this.#lost !== undefined && connectionLost(err)) this.#lost(messageOf(err));
      throw this.#failed(tool, `${messageOf(err)}${this.#problem === undefined ? '' : this.#stderrTail()}`);
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

  /**
   * The server's resources (and resource templates), or its prompts: one page each, as the server lists them.
   * @throws ROKU_MCP_CALL_FAILED
   */
  async list(kind: 'resources' | 'prompts', signal?: AbortSignal): Promise<unknown> {
    const options = { timeout: this.#callTimeoutMs, ...(signal === undefined ? {} : { signal }) };
    try {
      if (kind === 'prompts') {
        const { prompts } = await this.#client.listPrompts(undefined, options);
        return { prompts };
      }
      const { resources } = await this.#client.listResources(undefined, options);
      const templates = await this.#client
        .listResourceTemplates(undefined, options)
        .then((r) => r.resourceTemplates)
        .catch(() => []);
      return { resources, resourceTemplates: templates };
    } catch (err) {
      throw this.#failed(`${kind}/list`, messageOf(err));
    }
  }

  /**
   * One resource's contents (text, or `[binary … bytes]` for a blob), or one prompt's messages.
   * @throws ROKU_MCP_CALL_FAILED
   */
  async read(
    kind: 'resource' | 'prompt',
    input: { uri?: string; name?: string; arguments?: Record<string, string> },
    signal?: AbortSignal,
  ): Promise<string> {
    const options = { timeout: this.#callTimeoutMs, ...(signal === undefined ? {} : { signal }) };
    try {
      if (kind === 'resource') {
        const { contents } = await this.#client.readResource({ uri: input.uri ?? '' }, options);
        return contents
          .map((c) =>
            'text' in c ? c.text : `[binary ${c.mimeType ?? 'content'}, ${c.blob.length} base64 chars]`,
          )
          .join('\n');
      }
      const { messages } = await this.#client.getPrompt(
        { name: input.name ?? '', ...(input.arguments === undefined ? {} : { arguments: input.arguments }) },
        options,
      );
      return messages
        .map(
          (m) => `${m.role}: ${m.content.type === 'text' ? m.content.text : `[${m.content.type} content]`}`,
        )
        .join('\n');
    } catch (err) {
      throw this.#failed(kind === 'resource' ? 'resources/read' : 'prompts/get', messageOf(err));
    }
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
