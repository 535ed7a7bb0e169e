import { secretRef } from '../abi/abi.js';
import type { FsReadManyEntry, PluginContext } from '../context.js';
import type { ChatResponse, MemoryRecord } from '../types.js';
import { CapabilityError, requestCapability as request, sendCapability } from './host-bridge.js';
import { createLog } from './log.js';

function base64ToBytes(data: string): Uint8Array {
  const binary = atob(data);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/** Global fetch, looked up when called; one function for every call, so clients made on it can be reused. */
const realmFetch: PluginContext['fetch'] = (input, init) => fetch(input, init);

/**
 * Builds the `ctx` a handler receives for one call. `events` is what the host said of this call's events:
 * taken (emit sends them without waiting for a reply), not taken (emit fails at once), or not said (an older
 * host: emit asks it each time).
 */
export function createContext(
  callId: string,
  config: unknown,
  signal: AbortSignal,
  events?: boolean,
): PluginContext {
  const requestCapability: typeof request = (op, args) => request(op, args, callId);
  return {
    callId,
    config,
    signal,
    log: createLog((args) => sendCapability('log', args, callId)),
    emit: async (event) => {
      if (events === undefined) await requestCapability('emit', { event });
      else if (events) await sendCapability('emit', { event }, callId);
      else throw new CapabilityError('ROKU_CAPABILITY_UNAVAILABLE', 'emit is not available during this call');
    },
    fetch: realmFetch,
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
      readMany: async (root, path, names) => {
        const out: FsReadManyEntry[] = [];
        let rest = [...names];
        // The host answers what fits one reply and hands back the rest.
        while (rest.length > 0) {
          const reply = await requestCapability('fs.readMany', { root, path, names: rest });
          for (const file of reply.files) {
            out.push('data' in file ? { name: file.name, bytes: base64ToBytes(file.data) } : file);
          }
          if (reply.files.length === 0) break;
          rest = reply.rest;
        }
        return out;
      },
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
    process: {
      run: (command) =>
        requestCapability('process.run', {
          argv: command.argv === undefined ? null : [...command.argv],
          shell: command.shell ?? null,
          cwd: command.cwd ?? '',
          timeoutMs: command.timeoutMs ?? 30_000,
          maxOutputBytes: command.maxOutputBytes ?? 65_536,
        }),
    },
    subagents: {
      run: async (task, runtime) =>
        (await requestCapability('subagent.run', runtime === undefined ? { task } : { task, runtime }))
          .output,
    },
    sql: {
      query: async (sql, params = []) => requestCapability('sql.query', { sql, params: [...params] }),
      batch: async (statements) =>
        (
          await requestCapability('sql.batch', {
            statements: statements.map((s) => ({ sql: s.sql, params: [...(s.params ?? [])] })),
          })
        ).results,
    },
  };
}
