import { secretRef } from '../abi/abi.js';
import type { PluginContext } from '../context.js';
import type { ChatResponse, MemoryRecord } from '../types.js';
import { CapabilityError, requestCapability as request } from './host-bridge.js';

function base64ToBytes(data: string): Uint8Array {
  const binary = atob(data);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/** The host keeps at most 4 KiB of a log message; longer ones are cut here, before they are serialised. */
const MAX_LOG_MESSAGE_CHARS = 16 * 1024;
/** Longer messages are refused unread (cutting one would first copy all of it). */
const MAX_LOG_READ_CHARS = 1024 * 1024;

/** An Error as log data keeps what JSON.stringify would drop: name, message, code and its cause's code. */
function errorData(value: unknown): unknown {
  if (!(value instanceof Error)) return value;
  const { code } = value as { code?: unknown };
  const { cause } = value as { cause?: unknown };
  const causeCode = (cause as { code?: unknown } | null | undefined)?.code;
  return {
    name: value.name,
    message: value.message,
    ...(typeof code === 'string' ? { code } : {}),
    ...(typeof causeCode === 'string' ? { cause: { code: causeCode } } : {}),
  };
}

/** Builds the `ctx` a handler receives for one call. */
export function createContext(callId: string, config: unknown, signal: AbortSignal): PluginContext {
  const requestCapability: typeof request = (op, args) => request(op, args, callId);
  const log =
    (level: 'debug' | 'info' | 'warn' | 'error') =>
    (message: unknown, data?: unknown): void => {
      // typed as a string, but plugin JavaScript can pass anything
      const text = typeof message === 'string' ? message : String(message);
      if (text.length > MAX_LOG_READ_CHARS) {
        throw new CapabilityError(
          'ROKU_CAPABILITY_LIMIT',
          `ctx.log: a message of ${text.length} characters is refused (more than ${MAX_LOG_READ_CHARS})`,
        );
      }
      const cut = text.length > MAX_LOG_MESSAGE_CHARS ? `${text.slice(0, MAX_LOG_MESSAGE_CHARS)}…` : text;
      const args =
        data === undefined ? { level, message: cut } : { level, message: cut, data: errorData(data) };
      // Logging never fails a call; the host drops what exceeds the plugin's log rate.
      requestCapability('log', args).catch(() => undefined);
    };
  return {
    callId,
    config,
    signal,
    log: { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') },
    emit: async (event) => {
      await requestCapability('emit', { event });
    },
    fetch: (input, init) => fetch(input, init),
    secret: secretRef,
    env: { get: async (name) => (await requestCapability('env.get', { name })).value },
    kv: {
      get: async (key) => (await requestCapability('kv.get', { key })).value,
      set: async (key, value) => {
        await requestCapability('kv.set', { key, value });
      },
      delete: async (key) => {
        await requestCapability('kv.delete', { key });
      },
      list: async (prefix = '') => (await requestCapability('kv.list', { prefix })).keys,
    },
    fs: {
      readText: async (root, path) =>
        (await requestCapability('fs.read', { root, path, encoding: 'utf8' })).data,
      readBytes: async (root, path) =>
        base64ToBytes((await requestCapability('fs.read', { root, path, encoding: 'base64' })).data),
      writeText: async (root, path, text) => {
        await requestCapability('fs.write', { root, path, data: text, encoding: 'utf8' });
      },
      list: async (root, path = '') => (await requestCapability('fs.list', { root, path })).entries,
    },
    llm: {
      chat: async (request) => (await requestCapability('llm.chat', { request })).response as ChatResponse,
    },
    memory: {
      recall: async (query, limit = 8) =>
        (await requestCapability('memory.recall', { query, limit })).records as MemoryRecord[],
      write: async (records) => {
        await requestCapability('memory.write', { records: [...records] });
      },
    },
    tools: {
      invoke: async (name, input) => (await requestCapability('tools.invoke', { name, input })).output,
    },
    subagents: {
      run: async (task, runtime) =>
        (await requestCapability('subagent.run', runtime === undefined ? { task } : { task, runtime }))
          .output,
    },
  };
}
