import { ABI_VERSION } from '../abi/abi.js';
import type { CallRequest, CallResponse, PluginDescription } from '../abi/abi.js';
import type { PluginContext } from '../context.js';
import type { PluginDefinition } from '../define.js';
import { definePlugin } from '../define.js';
import { createContext } from './context.js';

type Handler = (input: never, ctx: PluginContext) => unknown;

/** Maps every `op` of the ABI to the plugin's handler for it. */
function routes(plugin: PluginDefinition): Map<string, Handler> {
  const table = new Map<string, Handler>();
  for (const tool of plugin.tools ?? []) table.set(`tool:${tool.name}`, tool.handler);
  for (const provider of plugin.providers ?? []) table.set(`provider:${provider.name}:chat`, provider.chat);
  for (const runtime of plugin.subagentRuntimes ?? []) table.set(`subagent:${runtime.name}:run`, runtime.run);
  const memory = plugin.memorySlot;
  if (memory !== undefined) {
    table.set('memory:recall', memory.recall);
    table.set('memory:write', memory.write);
    if (memory.forget !== undefined) table.set('memory:forget', memory.forget);
    if (memory.list !== undefined) table.set('memory:list', memory.list);
  }
  const engine = plugin.contextEngine;
  if (engine !== undefined) {
    table.set('context:beforeRequest', engine.beforeRequest);
    if (engine.compact !== undefined) table.set('context:compact', engine.compact);
  }
  return table;
}

function describe(plugin: PluginDefinition): PluginDescription {
  return {
    abi: ABI_VERSION,
    tools: (plugin.tools ?? []).map((t) => t.name),
    providers: (plugin.providers ?? []).map((p) => p.name),
    memorySlot: plugin.memorySlot?.name ?? null,
    contextEngine: plugin.contextEngine?.name ?? null,
    subagentRuntimes: (plugin.subagentRuntimes ?? []).map((r) => r.name),
  };
}

function errorResponse(err: unknown): CallResponse {
  const code = (err as { code?: unknown } | null)?.code;
  const message = (err as { message?: unknown } | null)?.message;
  const retryAfterMs = (err as { retryAfterMs?: unknown } | null)?.retryAfterMs;
  return {
    ok: false,
    error: {
      code: typeof code === 'string' ? code.slice(0, 128) : 'PLUGIN_ERROR',
      message: typeof message === 'string' ? message.slice(0, 4096) : String(err).slice(0, 4096),
      ...(typeof retryAfterMs === 'number' && Number.isFinite(retryAfterMs) && retryAfterMs >= 0
        ? { retryAfterMs }
        : {}),
    },
  };
}

/**
 * Installs a plugin as the sandbox's ABI (`globalThis.__roku_abi`). The SDK's bundler calls this for the
 * plugin's default export; plugin authors never call it themselves.
 */
export function serve(plugin: PluginDefinition): void {
  definePlugin(plugin);
  const table = routes(plugin);
  const description = JSON.stringify(describe(plugin));
  const abi = {
    describe: (): string => description,
    call: async (requestJson: string): Promise<string> => {
      let response: CallResponse;
      try {
        const request = JSON.parse(requestJson) as CallRequest;
        const handler = table.get(request.op);
        if (handler === undefined) {
          response = {
            ok: false,
            error: { code: 'ROKU_PLUGIN_NO_SUCH_OP', message: `no handler for ${request.op}` },
          };
        } else {
          const ctx = createContext(request.callId, request.config, new AbortController().signal);
          const value = await handler(request.input as never, ctx);
          response = { ok: true, value: value === undefined ? null : value };
        }
      } catch (err) {
        response = errorResponse(err);
      }
      return JSON.stringify(response);
    },
  };
  Object.defineProperty(globalThis, '__roku_abi', {
    value: Object.freeze(abi),
    writable: false,
    configurable: false,
  });
}
