import { lookup as dnsLookup } from 'node:dns/promises';
import { isRokuError } from '@roku/schemas';
import type { Logger } from 'pino';
import { MAX_CAPABILITY_MESSAGE_BYTES } from '../sandbox/protocol.js';
import type { WireError } from '../sandbox/protocol.js';
import { createCallBudget } from './call-budget.js';
import { dispatchCapability, dispatchOneWay } from './dispatch.js';
import type { DispatchContext } from './dispatch.js';
import { createFsQuota } from './fs/fs-quota.js';
import { createCapabilityLedgers } from './ledgers.js';
import { createAgentPool } from './net/agents.js';
import { createStreamRegistry } from './net/streams.js';
import { createPluginLogSink } from './plugin-log.js';
import { failed, overLimit, unavailable } from './policy.js';
import { createPolicyResolver } from './resolved-policy.js';
import type { Policy } from './policy.js';
import { parseCapabilityRequest } from './request.js';
import type {
  CallScope,
  CapabilityBroker,
  CapabilityBrokerOptions,
  HostLookup,
  ResolvedAddress,
} from './types.js';

export { MAX_EMIT_BYTES, MAX_KV_LIST_KEYS } from './dispatch.js';

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
  const { manifest } = options;
  const pluginId = manifest.id;
  const ledgers = options.ledgers ?? createCapabilityLedgers();
  const rates = ledgers.rates(pluginId);
  const current = createPolicyResolver(options);
  const limits = (): Policy['limits'] => current().policy.limits;
  const budget = createCallBudget(pluginId, limits);
  const onSecretFound = (origin: string, names: readonly string[]): void => {
    // The plugin only sees markers; the operator should know an upstream echoes credentials.
    options.logger.warn({ pluginId, origin, secrets: names }, 'response reflected secrets; redacted');
  };
  const streams = createStreamRegistry({
    pluginId,
    countBytes: (callId, bytes) => {
      budget.countBytes(callId, bytes);
    },
    onSecretFound,
  });
  const agents = createAgentPool();
  const fsQuota = createFsQuota(pluginId, ledgers.fs, () => ({
    bytes: limits().filesystemBytes,
    files: limits().filesystemFiles,
  }));
  const pluginLog = createPluginLogSink(options.logger, pluginId, options.pluginKey);
  const services = options.services ?? {};
  const processes = { count: 0 };
  const lookup = options.lookup ?? defaultLookup;
  const contextFor = (): DispatchContext => {
    const { policy, patterns, scanner } = current();
    return {
      policy,
      pluginKey: options.pluginKey,
      patterns,
      lookup,
      secrets: { pluginId, granted: policy.secrets, values: options.secrets },
      fs: {
        pluginId,
        grants: policy.filesystem,
        roots: options.roots,
        outputBytes: policy.limits.outputBytes,
        quota: fsQuota,
      },
      env: options.env,
      kv: options.kv,
      sql: options.sql,
      services,
      budget,
      streams,
      agents,
      scanner,
      onSecretFound,
      rates,
      pluginLog,
      processes,
      logger: options.logger,
    };
  };
  current();
  let closed = false;

  async function handle(requestJson: string, call: CallScope): Promise<string> {
    try {
      if (closed) throw unavailable(`${pluginId}: the capability broker is closed (plugin unloaded)`);
      if (call.signal?.aborted === true) throw failed(`${pluginId}: the call was cancelled`);
      const request = parseCapabilityRequest(requestJson, pluginId);
      const value = (await dispatchCapability(request, call, contextFor())) ?? null;
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
    handleOneWay: (requestJson, call) =>
      serveOneWay(requestJson, call, pluginId, options.logger, closed ? undefined : contextFor),
    endCall(callId) {
      streams.closeCall(callId);
      budget.end(callId);
    },
    close() {
      closed = true;
      streams.closeAll();
      agents.closeAll();
      budget.clear();
      return Promise.resolve();
    },
  };
}

/**
 * A one-way request (emit, log), served at once; `context` is undefined once the broker is closed. A log line
 * the host drops (over the log rate) is dropped as with a reply nobody reads; anything else that went wrong is
 * logged and returned, never thrown.
 */
function serveOneWay(
  requestJson: string,
  call: CallScope,
  pluginId: string,
  logger: Logger,
  context: (() => DispatchContext) | undefined,
): WireError | undefined {
  let op: string | undefined;
  try {
    if (context === undefined)
      throw unavailable(`${pluginId}: the capability broker is closed (plugin unloaded)`);
    const request = parseCapabilityRequest(requestJson, pluginId);
    op = request.op;
    dispatchOneWay(request, call, context());
    return undefined;
  } catch (err) {
    if (op === 'log') return undefined;
    const error: WireError = isRokuError(err)
      ? { code: err.code, message: err.message }
      : { code: 'ROKU_CAPABILITY_FAILED', message: `${pluginId}: one-way request failed in the host` };
    // the call fails with it; a plugin sending after its call ended gets no line per send in the host's log
    logger.debug(
      { pluginId, callId: call.callId, code: error.code, reason: error.message },
      'one-way capability request refused',
    );
    return error;
  }
}
