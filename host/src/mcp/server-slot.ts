import { RokuError } from '@roku/schemas';
import type { Logger } from 'pino';
import type { Sandbox } from '../sandbox/loaded-sandbox.js';
import { McpConnection } from './connection.js';
import type { McpPins, ToolDefinition } from './pins.js';
import { backoffDelay, reconnectPolicy } from './reconnect.js';
import { serverSandbox } from './server-plugin.js';
import { offeredTools } from './tools.js';
import type { McpServerEntry, McpServerState, McpTool, ToolChangePolicy } from './types.js';

/** What a slot needs from the bridge that owns it. */
export interface SlotContext {
  readonly workspace: string;
  readonly hidden: readonly string[];
  readonly logger: Logger;
  readonly pins: McpPins;
  /** The slot's tools or state changed: the snapshot should be built again. */
  readonly onChange: (reason: string) => void;
}

/**
 * One configured server over its life: connected with its tools, reconnecting after it went away (exponential
 * backoff with jitter, bounded attempts), or failed. Tool calls go through the slot, so a call that lands
 * while the server is away gets a clear error result instead of reaching a dead connection.
 */
export class ServerSlot {
  readonly name: string;
  readonly entry: McpServerEntry;
  /** The entry as JSON: a changed entry means a new slot. */
  readonly key: string;
  readonly #ctx: SlotContext;
  #connection: McpConnection | undefined;
  #definitions: ToolDefinition[] = [];
  #offers = { resources: false, prompts: false };
  #protocol = 'unknown';
  #wire = 'stdio';
  #state: McpServerState;
  #sandbox: Sandbox | undefined;
  #attempt = 0;
  #timer: NodeJS.Timeout | undefined;
  #closed = false;
  /** Whether the slot gave up reconnecting (a reload does not start it again; a changed entry does). */
  gaveUp = false;

  constructor(name: string, entry: McpServerEntry, ctx: SlotContext) {
    this.name = name;
    this.entry = entry;
    this.key = JSON.stringify(entry);
    this.#ctx = ctx;
    this.#state = { name, ok: false, problem: 'not started', status: 'failed' };
  }

  get state(): McpServerState {
    return this.#state;
  }

  get sandbox(): Sandbox | undefined {
    return this.#sandbox;
  }

  get policy(): ToolChangePolicy {
    return this.entry.onToolChange ?? 'block';
  }

  /** Connects; on failure the state says why. Never throws. */
  async start(): Promise<void> {
    await this.#connect();
  }

  async #connect(): Promise<boolean> {
    try {
      const opened = await McpConnection.open(this.name, this.entry, {
        workspace: this.#ctx.workspace,
        hidden: this.#ctx.hidden,
        logger: this.#ctx.logger,
        events: {
          onGone: (why) => {
            this.#gone(why);
          },
          onToolsChanged: (tools) => {
            this.#definitions = tools;
            this.#refresh();
            this.#ctx.logger.info({ server: this.name, tools: tools.length }, 'mcp tools changed');
            this.#ctx.onChange(`MCP server ${this.name}: tools changed`);
          },
        },
      });
      if (this.#closed) {
        await opened.connection.close();
        return false;
      }
      this.#connection = opened.connection;
      this.#definitions = opened.tools;
      this.#offers = opened.connection.offers;
      this.#protocol = opened.protocol;
      this.#wire = opened.wire;
      this.#attempt = 0;
      this.#refresh();
      this.#ctx.logger.info(
        { server: this.name, tools: opened.tools.length, protocol: opened.protocol, wire: opened.wire },
        'mcp server connected',
      );
      return true;
    } catch (err) {
      const problem = err instanceof Error ? err.message : String(err);
      this.#ctx.logger.warn({ server: this.name, problem }, 'mcp server left out');
      this.#state = { name: this.name, ok: false, problem, status: 'failed' };
      this.#sandbox = undefined;
      return false;
    }
  }

  /** Builds the tools (pins applied) and the sandbox the snapshot takes in. */
  #refresh(): void {
    const { tools, warnings } = offeredTools(this.name, this.#definitions, this.#offers, {
      pins: this.#ctx.pins,
      policy: this.policy,
    });
    const before = this.#state.ok ? this.#state.warnings : [];
    for (const problem of warnings.filter((w) => !before.includes(w))) {
      this.#ctx.logger.warn({ server: this.name, problem }, 'mcp tool changed since approved');
    }
    this.#state = { name: this.name, ok: true, tools, protocol: this.#protocol, wire: this.#wire, warnings };
    this.#sandbox = serverSandbox(
      this.name,
      tools,
      (tool, input, signal) => this.#call(tool, input, signal),
      this.entry.callTimeoutMs,
    );
  }

  #gone(why: string): void {
    if (this.#closed) return;
    this.#connection = undefined;
    this.#sandbox = undefined;
    // the state says `reconnecting` before anyone hears of the change
    this.#scheduleReconnect(why);
    if (this.#state.ok || this.#state.status === 'reconnecting')
      this.#ctx.onChange(`MCP server ${this.name} went away`);
  }

  #scheduleReconnect(why: string): void {
    const policy = reconnectPolicy(this.entry.reconnect);
    this.#attempt += 1;
    if (this.#attempt > policy.maxAttempts) {
      const tries = policy.maxAttempts;
      this.gaveUp = true;
      this.#state = {
        name: this.name,
        ok: false,
        status: 'failed',
        problem: `MCP server "${this.name}" went away and did not come back after ${tries} reconnect attempt${tries === 1 ? '' : 's'}: ${why}`,
      };
      this.#ctx.logger.warn({ server: this.name }, 'mcp server reconnect gave up');
      this.#ctx.onChange(`MCP server ${this.name} gave up`);
      return;
    }
    const delay = backoffDelay(this.#attempt, policy);
    this.#state = {
      name: this.name,
      ok: false,
      status: 'reconnecting',
      problem: `MCP server "${this.name}" is reconnecting (attempt ${this.#attempt} of ${policy.maxAttempts}, in ${Math.round(delay)} ms): ${why}`,
    };
    this.#ctx.logger.info(
      { server: this.name, attempt: this.#attempt, delayMs: delay },
      'mcp reconnect scheduled',
    );
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      void this.#connect().then((ok) => {
        if (this.#closed) return;
        if (ok) this.#ctx.onChange(`MCP server ${this.name} reconnected`);
        else this.#scheduleReconnect(this.#state.ok ? why : this.#state.problem);
      });
    }, delay);
    this.#timer.unref();
  }

  /** A call of one of the slot's tools; the pins decide whether a changed tool may run. */
  async #call(tool: McpTool, input: unknown, signal: AbortSignal | undefined): Promise<string> {
    const connection = this.#connection;
    if (connection === undefined) {
      throw new RokuError(
        'ROKU_MCP_CALL_FAILED',
        `${this.#state.ok ? `MCP server "${this.name}" is not connected` : this.#state.problem}. The call was not run.`,
        { details: { server: this.name, tool: tool.serverName } },
      );
    }
    if (tool.definition === undefined) return this.#resourceCall(connection, tool, input, signal);
    const pins = this.#ctx.pins;
    const now = pins.status(this.name, tool.definition);
    if (now.kind === 'changed') {
      // `ask`: the gate asked the user about this call (the tool was offered as changed), so it is approved now
      const asked = this.policy === 'ask' && tool.pin?.kind === 'changed';
      if (!asked) throw changedError(this.name, tool, now.changes);
    }
    if (now.kind !== 'same') pins.pin(this.name, tool.definition);
    if (tool.pin?.kind === 'changed') {
      // approved again (or reset elsewhere): offer the tool as it is now, without the `changed` tag
      this.#refresh();
      this.#ctx.onChange(`MCP server ${this.name}: tool ${tool.serverName} approved again`);
    }
    return connection.call(tool.serverName, input, signal);
  }

  #resourceCall(
    connection: McpConnection,
    tool: McpTool,
    input: unknown,
    signal: AbortSignal | undefined,
  ): Promise<string> {
    const args = (input ?? {}) as { uri?: unknown };
    if (tool.serverName === 'list_resources') {
      return connection.list('resources', signal).then((listed) => JSON.stringify(listed));
    }
    return connection.read('resource', { uri: typeof args.uri === 'string' ? args.uri : '' }, signal);
  }

  /** The live connection, for one-off listings (`roku mcp show`). */
  get connection(): McpConnection | undefined {
    return this.#connection;
  }

  async close(): Promise<void> {
    this.#closed = true;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    const connection = this.#connection;
    this.#connection = undefined;
    await connection?.close();
  }
}

/** The error result of a call to a tool whose definition changed since the user approved it. */
export function changedError(server: string, tool: McpTool, changes: readonly string[]): RokuError {
  return new RokuError(
    'ROKU_MCP_TOOL_CHANGED',
    `MCP server "${server}" changed tool ${tool.serverName} since you approved it (${changes.join('; ')}); the call was not run. Check the server, then \`roku mcp pins reset ${server} ${tool.serverName}\` to approve the new definition at its next call.`,
    { details: { server, tool: tool.serverName, changes: [...changes] } },
  );
}
