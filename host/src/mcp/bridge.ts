import type { ResolvedHostConfig } from '@roku/schemas';
import type { Logger } from 'pino';
import type { Sandbox } from '../sandbox/loaded-sandbox.js';
import { McpConnection } from './connection.js';
import { serverSandbox } from './server-plugin.js';
import type { McpServerEntry, McpServerState } from './types.js';

interface Live {
  readonly key: string;
  readonly connection: McpConnection | undefined;
  readonly state: McpServerState;
  readonly sandbox: Sandbox | undefined;
}

/** A connected server's tools, as a snapshot takes them in. */
export interface McpServerView {
  readonly state: McpServerState;
  /** Present when the server is connected. */
  readonly sandbox: Sandbox | undefined;
}

/**
 * Keeps one connection per server of the host config's `mcpServers`. `sync` brings the set in line with a
 * config (new and changed entries connect, removed ones close, a server that went away is started again); a
 * server that fails is reported with its problem and the others go on. `close` stops every process.
 */
export class McpBridge {
  readonly #workspace: string;
  readonly #logger: Logger;
  readonly #live = new Map<string, Live>();
  #closed = false;

  readonly #hidden: readonly string[];

  /** `hidden`: folders a confined server must not see (ROKU_HOME). */
  constructor(workspace: string, hidden: readonly string[], logger: Logger) {
    this.#workspace = workspace;
    this.#hidden = hidden;
    this.#logger = logger.child({ component: 'mcp' });
  }

  async sync(config: ResolvedHostConfig): Promise<McpServerView[]> {
    if (this.#closed) return [];
    const wanted = Object.entries(config.mcpServers ?? {}).filter(
      (pair): pair is [string, McpServerEntry] => pair[1] !== undefined && pair[1].disabled !== true,
    );
    const names = new Set(wanted.map(([name]) => name));
    for (const [name, live] of [...this.#live]) {
      if (!names.has(name)) {
        this.#live.delete(name);
        await live.connection?.close();
      }
    }
    await Promise.all(
      wanted.map(async ([name, entry]) => {
        const key = JSON.stringify(entry);
        const live = this.#live.get(name);
        const gone = live?.connection?.problem !== undefined;
        if (live !== undefined && live.key === key && !gone && live.state.ok) return;
        await live?.connection?.close();
        this.#live.set(name, await this.#open(name, entry, key));
      }),
    );
    // close() may have run while servers were starting: stop what started meanwhile.
    if (this.isClosed()) await this.close();
    return [...this.#live.values()]
      .map((l) => ({ state: l.state, sandbox: l.sandbox }))
      .sort((a, b) => (a.state.name < b.state.name ? -1 : 1));
  }

  async #open(name: string, entry: McpServerEntry, key: string): Promise<Live> {
    try {
      const { connection, tools, protocol } = await McpConnection.open(
        name,
        entry,
        this.#workspace,
        this.#hidden,
        this.#logger,
      );
      this.#logger.info({ server: name, tools: tools.length, protocol }, 'MCP server connected');
      return {
        key,
        connection,
        state: { name, ok: true, tools, protocol },
        sandbox: serverSandbox(name, connection, tools),
      };
    } catch (err) {
      const problem = err instanceof Error ? err.message : String(err);
      this.#logger.warn({ server: name, problem }, 'MCP server left out');
      return { key, connection: undefined, state: { name, ok: false, problem }, sandbox: undefined };
    }
  }

  /** Stops every server; later syncs do nothing. */
  async close(): Promise<void> {
    this.#closed = true;
    const live = [...this.#live.values()];
    this.#live.clear();
    await Promise.all(
      live.map(async (l) => {
        await l.connection?.close();
      }),
    );
  }

  isClosed(): boolean {
    return this.#closed;
  }
}
