import type { ResolvedHostConfig } from '@roku/schemas';
import type { Logger } from 'pino';
import type { Sandbox } from '../sandbox/loaded-sandbox.js';
import { McpPins, pinsFile } from './pins.js';
import { ServerSlot } from './server-slot.js';
import { writeMcpStatus } from './status.js';
import type { McpServerEntry, McpServerState } from './types.js';

/** A connected server's tools, as a snapshot takes them in. */
export interface McpServerView {
  readonly state: McpServerState;
  /** Present when the server is connected. */
  readonly sandbox: Sandbox | undefined;
}

/** What the bridge needs: where servers start, what they must not see, where pins live, whom to tell. */
export interface McpBridgeOptions {
  readonly workspace: string;
  /** Folders a confined server must not see (ROKU_HOME). */
  readonly hidden: readonly string[];
  readonly logger: Logger;
  /** ROKU_HOME: the approved tool definitions are pinned in `mcp/pins.json` there. */
  readonly home: string;
  /** A server's tools or state changed on their own (went away, came back, list changed): rebuild the snapshot. */
  readonly onChange?: (reason: string) => void;
}

/**
 * Keeps one slot per server of the host config's `mcpServers`. `sync` brings the set in line with a config
 * (new and changed entries connect, removed ones close, one that failed to start is tried again; one that is
 * reconnecting is left to its backoff); a server that fails is reported with its problem and the others go on.
 * `close` stops every process.
 */
export class McpBridge {
  readonly #options: McpBridgeOptions;
  readonly #logger: Logger;
  readonly #slots = new Map<string, ServerSlot>();
  readonly pins: McpPins;
  #closed = false;

  constructor(options: McpBridgeOptions) {
    this.#options = options;
    this.#logger = options.logger.child({ component: 'mcp' });
    this.pins = new McpPins(pinsFile(options.home));
  }

  async sync(config: ResolvedHostConfig): Promise<McpServerView[]> {
    if (this.#closed) return [];
    const wanted = Object.entries(config.mcpServers ?? {}).filter(
      (pair): pair is [string, McpServerEntry] => pair[1] !== undefined && pair[1].disabled !== true,
    );
    const names = new Set(wanted.map(([name]) => name));
    for (const [name, slot] of [...this.#slots]) {
      if (!names.has(name)) {
        this.#slots.delete(name);
        await slot.close();
      }
    }
    await Promise.all(
      wanted.map(async ([name, entry]) => {
        const slot = this.#slots.get(name);
        if (slot !== undefined && slot.key === JSON.stringify(entry)) {
          const { state } = slot;
          // connected, reconnecting on its own, or given up after reconnecting: leave it be
          if (state.ok || state.status === 'reconnecting' || slot.gaveUp) return;
        }
        await slot?.close();
        const fresh = new ServerSlot(name, entry, {
          workspace: this.#options.workspace,
          hidden: this.#options.hidden,
          logger: this.#logger,
          pins: this.pins,
          onChange: (reason) => {
            if (this.#slots.get(name) !== fresh || this.#closed) return;
            this.#writeStatus();
            this.#options.onChange?.(reason);
          },
        });
        this.#slots.set(name, fresh);
        await fresh.start();
      }),
    );
    // close() may have run while servers were starting: stop what started meanwhile.
    if (this.isClosed()) await this.close();
    this.#writeStatus();
    return this.views();
  }

  /** `roku mcp list` and `roku doctor` read what this process sees of its servers. */
  #writeStatus(): void {
    if (this.#closed && this.#slots.size > 0) return;
    writeMcpStatus(
      this.#options.home,
      this.#slots.size === 0 ? undefined : [...this.#slots.values()].map((s) => s.state),
    );
  }

  /** The servers as they are now, by name. */
  views(): McpServerView[] {
    return [...this.#slots.values()]
      .map((s) => ({ state: s.state, sandbox: s.sandbox }))
      .sort((a, b) => (a.state.name < b.state.name ? -1 : 1));
  }

  /** Stops every server; later syncs do nothing. */
  async close(): Promise<void> {
    this.#closed = true;
    const slots = [...this.#slots.values()];
    this.#slots.clear();
    if (slots.length > 0) writeMcpStatus(this.#options.home, undefined);
    await Promise.all(slots.map((s) => s.close()));
  }

  isClosed(): boolean {
    return this.#closed;
  }
}
