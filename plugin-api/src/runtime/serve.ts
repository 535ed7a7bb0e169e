import { ABI_VERSION, PLUGIN_OP_KINDS, formatPluginOp } from '../abi/abi.js';
import type {
  CallRequest,
  CallResponse,
  PluginDescription,
  PluginOpInput,
  PluginOpKind,
} from '../abi/abi.js';
import type { PluginContext } from '../context.js';
import type { PluginDefinition } from '../define.js';
import { definePlugin } from '../define.js';
import { createContext } from './context.js';
import { continuedChat } from './continued-chat.js';

type Handler = (input: never, ctx: PluginContext) => unknown;

/**
 * Captured when the bundle is evaluated, before any handler runs: a handler that replaces JSON.parse or
 * JSON.stringify cannot make the ABI wrapper misread its request or forge its response.
 */
const { parse: parseJson, stringify: stringifyJson } = JSON;
type Entry<K extends PluginOpKind> = readonly [
  name: string | undefined,
  handler: ((input: PluginOpInput<K>, ctx: PluginContext) => unknown) | undefined,
];

/**
 * Where each op kind of the ABI finds its handlers in a plugin definition. Keyed by every kind of
 * `PLUGIN_OPS`, so a new op cannot be left without a route, and each handler must take that op's input.
 */
const HANDLERS: { readonly [K in PluginOpKind]: (plugin: PluginDefinition) => readonly Entry<K>[] } = {
  // Tool inputs are whatever each tool declares; the host checks them against its inputSchema.
  tool: (p) => (p.tools ?? []).map((t) => [t.name, t.handler as (input: unknown) => unknown]),
  // Continued requests (`since`) are rebuilt whole before the provider's chat sees them.
  'provider.chat': (p) => (p.providers ?? []).map((x) => [x.name, continuedChat(x.chat)]),
  'provider.models': (p) => (p.providers ?? []).map((x) => [x.name, x.models]),
  'subagent.run': (p) => (p.subagentRuntimes ?? []).map((r) => [r.name, r.run]),
  'memory.recall': (p) => [[undefined, p.memorySlot?.recall]],
  'memory.write': (p) => [[undefined, p.memorySlot?.write]],
  'memory.forget': (p) => [[undefined, p.memorySlot?.forget]],
  'memory.list': (p) => [[undefined, p.memorySlot?.list]],
  'context.beforeRequest': (p) => [[undefined, p.contextEngine?.beforeRequest]],
  'context.compact': (p) => [[undefined, p.contextEngine?.compact]],
};

/** Maps every `op` the plugin implements to its handler. */
function routes(plugin: PluginDefinition): Map<string, Handler> {
  const table = new Map<string, Handler>();
  for (const kind of PLUGIN_OP_KINDS) {
    for (const [name, handler] of HANDLERS[kind](plugin)) {
      if (handler !== undefined) table.set(formatPluginOp(kind, name ?? null), handler);
    }
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
  // The throw site's frame in this bundle (`plugin:<key>:LINE:COL`): the author's CLI maps it to src/….
  const stack = (err as { stack?: unknown } | null)?.stack;
  const at = typeof stack === 'string' ? /plugin:[^\s()]*:(\d+):(\d+)/.exec(stack) : null;
  return {
    ok: false,
    error: {
      code: typeof code === 'string' ? code.slice(0, 128) : 'PLUGIN_ERROR',
      message: typeof message === 'string' ? message.slice(0, 4096) : String(err).slice(0, 4096),
      ...(typeof retryAfterMs === 'number' && Number.isFinite(retryAfterMs) && retryAfterMs >= 0
        ? { retryAfterMs }
        : {}),
      ...(at === null ? {} : { bundleLine: Number(at[1]), bundleColumn: Number(at[2]) }),
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
  const description = stringifyJson(describe(plugin));
  const abi = {
    describe: (): string => description,
    call: async (requestJson: string): Promise<string> => {
      let response: CallResponse;
      try {
        const request = parseJson(requestJson) as CallRequest;
        const handler = table.get(request.op);
        if (handler === undefined) {
          response = {
            ok: false,
            error: { code: 'ROKU_PLUGIN_NO_SUCH_OP', message: `no handler for ${request.op}` },
          };
        } else {
          const ctx = createContext(
            request.callId,
            request.config,
            new AbortController().signal,
            typeof request.events === 'boolean' ? request.events : undefined,
          );
          const value = await handler(request.input as never, ctx);
          response = { ok: true, value: value === undefined ? null : value };
        }
      } catch (err) {
        response = errorResponse(err);
      }
      return stringifyJson(response);
    },
  };
  Object.defineProperty(globalThis, '__roku_abi', {
    value: Object.freeze(abi),
    writable: false,
    configurable: false,
  });
}
