import { lookup as dnsLookup } from 'node:dns/promises';
import { isRokuError } from '@roku/schemas';
import { MAX_CAPABILITY_MESSAGE_BYTES } from '../sandbox/protocol.js';
import { listGrantedFolder, readGrantedFile, writeGrantedFile } from './fs/fs-ops.js';
import type { FsOpsContext } from './fs/fs-ops.js';
import { startFetch, responseHeaders } from './net/fetch.js';
import { parseNetworkPatterns } from './net/origin-policy.js';
import type { SecretContext } from './net/outgoing.js';
import { createStreamRegistry } from './net/streams.js';
import { createPluginLogSink } from './plugin-log.js';
import { denied, failed, overLimit, resolvePolicy, unavailable } from './policy.js';
import { parseCapabilityRequest } from './request.js';
import type { ParsedRequest } from './request.js';
import { callService } from './services.js';
import type {
  CallScope,
  CapabilityBroker,
  CapabilityBrokerOptions,
  HostLookup,
  ResolvedAddress,
  ServiceContext,
} from './types.js';

/** Largest event a plugin may emit, in bytes of JSON. */
export const MAX_EMIT_BYTES = 64 * 1024;
/** Most keys one `kv.list` returns. */
export const MAX_KV_LIST_KEYS = 1000;

const defaultLookup: HostLookup = async (hostname) => {
  const answers = await dnsLookup(hostname, { all: true, order: 'verbatim' });
  return answers.map((a): ResolvedAddress => ({ address: a.address, family: a.family === 6 ? 6 : 4 }));
};

function errorResponse(code: string, message: string): string {
  return JSON.stringify({ ok: false, error: { code, message } });
}

/**
 * Creates the broker that checks and serves the capability requests of one loaded plugin against its manifest:
 * network origins and addresses, filesystem grants, env names, secrets, host capabilities and limits.
 *
 * @example
 * const broker = createCapabilityBroker({ manifest, pluginKey, roots, env: process.env, secrets, kv, logger });
 * const replyJson = await broker.handle(message.request, { callId: 'c-1', emit: (e) => events.push(e) });
 * broker.endCall('c-1');
 */
export function createCapabilityBroker(options: CapabilityBrokerOptions): CapabilityBroker {
  const policy = resolvePolicy(options.manifest);
  const { pluginId } = policy;
  const patterns = parseNetworkPatterns(policy.network);
  if (patterns.length !== policy.network.length) {
    options.logger.warn({ pluginId }, 'some network permission patterns are invalid and grant nothing');
  }
  const lookup = options.lookup ?? defaultLookup;
  const services = options.services ?? {};
  const secrets: SecretContext = { pluginId, granted: policy.secrets, values: options.secrets };
  const fsContext: FsOpsContext = {
    pluginId,
    grants: policy.filesystem,
    roots: options.roots,
    outputBytes: policy.limits.outputBytes,
  };
  const counters = new Map<string, { requests: number; bytes: number }>();
  const counter = (callId: string): { requests: number; bytes: number } => {
    let entry = counters.get(callId);
    if (entry === undefined) {
      entry = { requests: 0, bytes: 0 };
      counters.set(callId, entry);
    }
    return entry;
  };
  const streams = createStreamRegistry({
    pluginId,
    countBytes: (callId, bytes) => {
      const entry = counter(callId);
      entry.bytes += bytes;
      const limit = policy.limits.httpResponseBytes;
      if (entry.bytes > limit) {
        throw overLimit(
          `${pluginId}: HTTP responses of this call exceed limits.httpResponseBytes = ${limit}`,
          { limit },
        );
      }
    },
  });
  const pluginLog = createPluginLogSink(options.logger, pluginId, options.pluginKey);
  let closed = false;

  const serviceContext = (call: CallScope): ServiceContext => ({
    pluginId,
    pluginKey: options.pluginKey,
    callId: call.callId,
    ...(call.signal === undefined ? {} : { signal: call.signal }),
    ...(call.context === undefined ? {} : { context: call.context }),
  });

  async function dispatch(request: ParsedRequest, call: CallScope): Promise<unknown> {
    switch (request.op) {
      case 'fetch.start': {
        const outcome = await startFetch(request.args, {
          pluginId,
          patterns,
          lookup,
          secrets,
          signal: call.signal,
          countRequest: () => {
            const entry = counter(call.callId);
            const limit = policy.limits.httpRequestsPerCall;
            if (entry.requests >= limit) {
              throw overLimit(
                `${pluginId}: this call already made limits.httpRequestsPerCall = ${limit} HTTP requests`,
                {
                  limit,
                },
              );
            }
            entry.requests += 1;
          },
        });
        const { response } = outcome;
        return {
          streamId: streams.open(call.callId, outcome.url.origin, response, call.signal),
          status: response.statusCode ?? 0,
          statusText: response.statusMessage ?? '',
          headers: responseHeaders(response),
          url: outcome.url.href,
          redirected: outcome.redirected,
        };
      }
      case 'fetch.read':
        return streams.read(request.args.streamId, call.callId);
      case 'fetch.cancel':
        streams.cancel(request.args.streamId, call.callId);
        return null;
      case 'log':
        pluginLog.write(call.callId, request.args.level, request.args.message, request.args.data);
        return null;
      case 'emit': {
        if (call.emit === undefined) throw unavailable(`${pluginId}: emit is not available during this call`);
        const bytes = Buffer.byteLength(JSON.stringify(request.args.event), 'utf8');
        if (bytes > MAX_EMIT_BYTES) {
          throw overLimit(
            `${pluginId}: emitted event is ${bytes} bytes of JSON; the limit is ${MAX_EMIT_BYTES}`,
          );
        }
        call.emit(request.args.event);
        return null;
      }
      case 'kv.get':
        return { value: options.kv.get(pluginId, request.args.key) };
      case 'kv.set':
        options.kv.set(pluginId, request.args.key, request.args.value, policy.limits.storageBytes);
        return null;
      case 'kv.delete':
        options.kv.delete(pluginId, request.args.key);
        return null;
      case 'kv.list':
        return { keys: options.kv.list(pluginId, request.args.prefix, MAX_KV_LIST_KEYS) };
      case 'fs.read':
        return readGrantedFile(fsContext, request.args);
      case 'fs.write':
        return writeGrantedFile(fsContext, request.args);
      case 'fs.list':
        return listGrantedFolder(fsContext, request.args);
      case 'env.get': {
        const { name } = request.args;
        const shown = JSON.stringify(name.slice(0, 128));
        if (policy.secrets.has(name)) {
          throw denied(
            `${pluginId}: env.get of ${shown} denied: it is a secret; secrets only go out in request headers`,
          );
        }
        if (!policy.env.has(name))
          throw denied(`${pluginId}: env.get of ${shown} denied: not named in permissions.env`);
        return { value: Object.hasOwn(options.env, name) ? (options.env[name] ?? null) : null };
      }
      case 'llm.chat':
      case 'memory.recall':
      case 'memory.write':
      case 'tools.invoke':
      case 'subagent.run':
        return callService(request.op, request.args, policy, services, serviceContext(call), options.logger);
    }
  }

  async function handle(requestJson: string, call: CallScope): Promise<string> {
    try {
      if (closed) throw unavailable(`${pluginId}: the capability broker is closed (plugin unloaded)`);
      if (call.signal?.aborted === true) throw failed(`${pluginId}: the call was cancelled`);
      const request = parseCapabilityRequest(requestJson, pluginId);
      const value = (await dispatch(request, call)) ?? null;
      const reply = JSON.stringify({ ok: true, value });
      if (Buffer.byteLength(reply, 'utf8') > MAX_CAPABILITY_MESSAGE_BYTES) {
        throw overLimit(
          `${pluginId}: ${request.op} reply is larger than ${MAX_CAPABILITY_MESSAGE_BYTES} bytes`,
        );
      }
      return reply;
    } catch (err) {
      if (isRokuError(err)) {
        // Denials are security events the operator should see even when the plugin swallows the error
        // (an SDK may turn a refused fetch into a generic "connection error").
        if (err.code === 'ROKU_CAPABILITY_DENIED' || err.code === 'ROKU_CAPABILITY_LIMIT') {
          options.logger.warn(
            { pluginId, callId: call.callId, code: err.code, reason: err.message },
            'capability refused',
          );
        }
        return errorResponse(err.code, err.message);
      }
      options.logger.error({ err, pluginId, callId: call.callId }, 'capability request failed in the host');
      return errorResponse('ROKU_CAPABILITY_FAILED', `${pluginId}: capability request failed in the host`);
    }
  }

  return {
    handle,
    endCall(callId) {
      streams.closeCall(callId);
      counters.delete(callId);
    },
    close() {
      closed = true;
      streams.closeAll();
      counters.clear();
      return Promise.resolve();
    },
  };
}
