import type { Logger } from 'pino';
import type { CallBudget } from './call-budget.js';
import { listGrantedFolder, readGrantedFile, writeGrantedFile } from './fs/fs-ops.js';
import type { FsOpsContext } from './fs/fs-ops.js';
import { readManyGrantedFiles } from './fs/fs-read-many.js';
import { startFetch, responseHeaders } from './net/fetch.js';
import type { NetworkPattern } from './net/origin-policy.js';
import type { SecretContext } from './net/outgoing.js';
import type { AgentPool } from './net/agents.js';
import type { SecretScanner } from './net/secret-scan.js';
import { traceIdOfContext } from './net/trace-context.js';
import type { StreamRegistry } from './net/streams.js';
import type { PluginRates } from './ledgers.js';
import type { PluginLogSink } from './plugin-log.js';
import { runGrantedProcess } from './process/process-ops.js';
import { badRequest, denied, overLimit, rateLimited, unavailable } from './policy.js';
import type { Policy } from './policy.js';
import type { ParsedRequest } from './request.js';
import { countLogBytes, withLlmBudget } from './rates.js';
import { sanitizePluginValue } from './sanitize.js';
import { callService } from './services.js';
import { serveSql } from './sql/sql-capability.js';
import type { SqlAccess } from './sql/sql-capability.js';
import type { CallScope, CapabilityServices, HostLookup, KvStore, ServiceContext } from './types.js';

/** Largest event a plugin may emit, in bytes of JSON. */
export const MAX_EMIT_BYTES = 64 * 1024;
/** Most keys one `kv.list` returns. */
export const MAX_KV_LIST_KEYS = 1000;

/** Everything the broker resolved once per plugin that serving a request needs. */
export interface DispatchContext {
  readonly policy: Policy;
  readonly pluginKey: string;
  readonly patterns: readonly NetworkPattern[];
  readonly lookup: HostLookup;
  readonly secrets: SecretContext;
  readonly fs: FsOpsContext;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly kv: KvStore;
  readonly services: CapabilityServices;
  /** The plugin's SQL database, when the host offers them. */
  readonly sql?: SqlAccess | undefined;
  readonly budget: CallBudget;
  readonly streams: StreamRegistry;
  /** Keep-alive connections of this plugin. */
  readonly agents: AgentPool;
  /** Finds the plugin's secrets in responses (headers here, bodies in the stream registry). */
  readonly scanner: SecretScanner;
  /** Logs that a response reflected secrets (they were redacted). */
  readonly onSecretFound: (origin: string, names: readonly string[]) => void;
  /** Rates and in-flight counts of this plugin, shared by its loaded versions. */
  readonly rates: PluginRates;
  readonly pluginLog: PluginLogSink;
  /** Child processes of this plugin running now (process.run). */
  readonly processes: { count: number };
  readonly logger: Logger;
}

/** Response headers with every reflected secret replaced by its marker. */
function checkedHeaders(
  pairs: [string, string][],
  scanner: SecretScanner,
  found: Set<string>,
): [string, string][] {
  if (!scanner.active) return pairs;
  return pairs.map(([name, value]) => {
    const redacted = scanner.redactText(value);
    for (const secret of redacted.found) found.add(secret);
    return [name, redacted.text];
  });
}

async function fetchStart(
  args: Extract<ParsedRequest, { op: 'fetch.start' }>['args'],
  call: CallScope,
  d: DispatchContext,
): Promise<unknown> {
  const { pluginId } = d.policy;
  const limit = d.policy.limits.httpConcurrency;
  if (d.rates.httpInFlight >= limit) {
    throw rateLimited(
      `${pluginId}: ${d.rates.httpInFlight} HTTP requests are in flight; limits.httpConcurrency is ${limit} (read or cancel a response first)`,
      { limit: 'httpConcurrency', max: limit },
    );
  }
  d.rates.httpInFlight += 1;
  let release = (): void => {
    d.rates.httpInFlight -= 1;
    release = () => undefined;
  };
  try {
    const outcome = await startFetch(args, {
      pluginId,
      patterns: d.patterns,
      lookup: d.lookup,
      secrets: d.secrets,
      signal: call.signal,
      countRequest: () => {
        d.budget.countRequest(call.callId);
      },
      agents: d.agents,
      scanner: d.scanner,
      traceId: traceIdOfContext(call.context),
    });
    const { response } = outcome;
    const found = new Set<string>();
    const headers = checkedHeaders(responseHeaders(response), d.scanner, found);
    const statusText = d.scanner.redactText(response.statusMessage ?? '');
    const url = d.scanner.redactText(outcome.url.href);
    for (const secret of [...statusText.found, ...url.found]) found.add(secret);
    if (found.size > 0) d.onSecretFound(outcome.url.origin, [...found]);
    const streamId = d.streams.open(call.callId, outcome.url.origin, response, {
      signal: call.signal,
      redactor: d.scanner.body(),
      onClose: () => {
        release();
      },
    });
    // Asked for, the first bytes ride on this reply (`done`: the body is complete and the stream closed).
    // Plugins built before that (the wasm ABI's httpGet) read every byte with fetch.read.
    const first = args.firstChunk === 'inline' ? d.streams.ready(streamId, call.callId) : undefined;
    return {
      streamId,
      ...first,
      status: response.statusCode ?? 0,
      statusText: statusText.text,
      headers,
      url: url.text,
      redirected: outcome.redirected,
    };
  } catch (err) {
    release();
    throw err;
  }
}

function emit(event: unknown, call: CallScope, pluginId: string): null {
  if (call.emit === undefined) throw unavailable(`${pluginId}: emit is not available during this call`);
  const bytes = Buffer.byteLength(JSON.stringify(event), 'utf8');
  if (bytes > MAX_EMIT_BYTES) {
    throw overLimit(`${pluginId}: emitted event is ${bytes} bytes of JSON; the limit is ${MAX_EMIT_BYTES}`);
  }
  call.emit(sanitizePluginValue(event));
  return null;
}

function envGet(name: string, d: DispatchContext): { value: string | null } {
  const { pluginId } = d.policy;
  const shown = JSON.stringify(name.slice(0, 128));
  if (d.policy.secrets.has(name)) {
    throw denied(
      `${pluginId}: env.get of ${shown} denied: it is a secret; secrets only go out in request headers`,
    );
  }
  if (!d.policy.env.has(name))
    throw denied(`${pluginId}: env.get of ${shown} denied: not named in permissions.env`);
  return { value: Object.hasOwn(d.env, name) ? (d.env[name] ?? null) : null };
}

function serviceContext(call: CallScope, d: DispatchContext): ServiceContext {
  return {
    pluginId: d.policy.pluginId,
    pluginKey: d.pluginKey,
    callId: call.callId,
    ...(call.signal === undefined ? {} : { signal: call.signal }),
    ...(call.context === undefined ? {} : { context: call.context }),
  };
}

/**
 * Serves a one-way request (sent without waiting for a reply): only `emit`, `log` and `fetch.cancel`,
 * synchronously, so an emit's failure is known before the call's result is handled.
 * @throws RokuError as the same request would fail
 */
export function dispatchOneWay(request: ParsedRequest, call: CallScope, d: DispatchContext): void {
  const { pluginId } = d.policy;
  if (request.op === 'log') {
    d.pluginLog.write(call.callId, request.args.level, request.args.message, request.args.data, (bytes) => {
      countLogBytes(pluginId, d.rates, d.policy.limits, bytes);
    });
  } else if (request.op === 'emit') {
    emit(request.args.event, call, pluginId);
  } else if (request.op === 'fetch.cancel') {
    d.streams.cancel(request.args.streamId, call.callId);
  } else {
    throw badRequest(
      `${pluginId}: ${request.op} needs a reply; only emit, log and fetch.cancel may be sent one-way`,
    );
  }
}

/** Serves one parsed capability request; every check against the manifest happens on the way. */
export async function dispatchCapability(
  request: ParsedRequest,
  call: CallScope,
  d: DispatchContext,
): Promise<unknown> {
  const { pluginId } = d.policy;
  switch (request.op) {
    case 'fetch.start':
      return fetchStart(request.args, call, d);
    case 'fetch.read':
      return d.streams.read(request.args.streamId, call.callId);
    case 'fetch.cancel':
      d.streams.cancel(request.args.streamId, call.callId);
      return null;
    case 'log':
      d.pluginLog.write(call.callId, request.args.level, request.args.message, request.args.data, (bytes) => {
        countLogBytes(pluginId, d.rates, d.policy.limits, bytes);
      });
      return null;
    case 'emit':
      return emit(request.args.event, call, pluginId);
    case 'kv.get':
      return { value: d.kv.get(pluginId, request.args.key) };
    case 'kv.set':
      d.kv.set(
        pluginId,
        request.args.key,
        request.args.value,
        d.policy.limits.storageBytes,
        d.policy.limits.storageKeys,
      );
      return null;
    case 'kv.delete':
      d.kv.delete(pluginId, request.args.key);
      return null;
    case 'kv.list':
      return { keys: d.kv.list(pluginId, request.args.prefix, MAX_KV_LIST_KEYS) };
    case 'fs.read':
      return readGrantedFile(d.fs, request.args);
    case 'fs.write':
      return writeGrantedFile(d.fs, request.args);
    case 'fs.list':
      return listGrantedFolder(d.fs, request.args);
    case 'fs.readMany':
      return readManyGrantedFiles(d.fs, request.args);
    case 'env.get':
      return envGet(request.args.name, d);
    case 'llm.chat':
      return withLlmBudget(pluginId, d.rates, d.policy.limits, request.args.request, () =>
        callService(request.op, request.args, d.policy, d.services, serviceContext(call, d), d.logger),
      );
    case 'process.run':
      return runGrantedProcess(
        { policy: d.policy, roots: d.fs.roots, env: d.env, logger: d.logger, inFlight: d.processes },
        request.args,
        call,
      );
    case 'memory.recall':
    case 'memory.write':
    case 'tools.invoke':
    case 'subagent.run':
      return callService(request.op, request.args, d.policy, d.services, serviceContext(call, d), d.logger);
    case 'sql.query':
    case 'sql.batch':
      return serveSql(request.op, request.args, d.policy, d.sql);
  }
}
