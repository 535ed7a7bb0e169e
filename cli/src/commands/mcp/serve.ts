import { createAgentRuntime, createToolServerFactory, serveToolsOverStdio } from '@roku/host';
import { RokuError } from '@roku/schemas';
import type { AgentIo } from '../agent/context.js';
import { runtimeOptions } from '../agent/context.js';
import { EXIT } from '../../io.js';

export interface McpServeFlags {
  /** Tools that run without asking (deny patterns still apply). */
  readonly allow?: string[];
}

/**
 * `roku mcp serve`: the plugin snapshot's tools for any MCP client over stdio, each call run in its sandbox
 * under its manifest and the approval policy (asked through the client's elicitation, or refused with how to
 * approve). Installs, reloads and hot swaps reach the client as notifications/tools/list_changed. Runs until
 * the client closes stdin, or SIGINT / SIGTERM.
 */
export async function mcpServeCommand(
  io: AgentIo,
  configFile: string | undefined,
  flags: McpServeFlags,
): Promise<number> {
  const options = runtimeOptions(io, configFile, 'mcp serve');
  const allow = (flags.allow ?? []).flatMap((value) => value.split(',')).map((v) => v.trim());
  const bad = allow.find((name) => !/^[A-Za-z0-9_.:-]{1,128}$/.test(name));
  if (bad !== undefined) {
    throw new RokuError('ROKU_CLI_USAGE', `mcp serve: --allow "${bad}" is not a tool name`);
  }
  const runtime = await (io.createRuntime ?? createAgentRuntime)(options);
  const gateway = runtime.toolGateway();
  const factory = createToolServerFactory({
    gateway,
    logger: options.logger.child({ component: 'mcp-serve' }),
    allowed: new Set(allow),
    grantHint: (tool) => `restart the server as roku mcp serve --allow ${tool}`,
  });
  try {
    await runtime.watch();
    const serving = serveToolsOverStdio(factory, options.logger);
    const stop = (): void => {
      void serving.close();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    await serving.done;
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    await serving.close();
  } finally {
    factory.close();
    gateway.close();
    await runtime.close();
  }
  return EXIT.ok;
}
