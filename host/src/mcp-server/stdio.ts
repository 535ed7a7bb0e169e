import type { Readable, Writable } from 'node:stream';
import { StdioServerTransport, serveStdio } from '@modelcontextprotocol/server/stdio';
import type { Logger } from 'pino';
import type { ToolServerFactory } from './tool-server.js';

export interface StdioServing {
  /** Resolves when the client closes its end (stdin ends) or `close` is called. */
  readonly done: Promise<void>;
  close(): Promise<void>;
}

/**
 * Serves the factory's MCP server over stdio (one connection, both protocol eras: the SDK's `serveStdio` pins
 * the era the client opens with). stdout carries only protocol messages; logs go elsewhere.
 */
export function serveToolsOverStdio(
  factory: ToolServerFactory,
  logger: Logger,
  stdin: Readable = process.stdin,
  stdout: Writable = process.stdout,
): StdioServing {
  const transport = new StdioServerTransport(stdin, stdout);
  const handle = serveStdio(() => factory.create(), {
    transport,
    onerror: (err) => {
      logger.debug({ err }, 'mcp stdio error');
    },
  });
  let finish: () => void = () => undefined;
  const done = new Promise<void>((resolve) => {
    finish = resolve;
  });
  stdin.once('end', finish);
  stdin.once('close', finish);
  return {
    done,
    close: async () => {
      finish();
      await handle.close();
    },
  };
}
