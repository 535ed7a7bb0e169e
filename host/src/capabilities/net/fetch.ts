import http from 'node:http';
import type { IncomingMessage, OutgoingHttpHeaders } from 'node:http';
import https from 'node:https';
import { isIP } from 'node:net';
import { dynamicErrorCode, isRokuError, RokuError } from '@roku/schemas';
import { denied, failed, quote } from '../policy.js';
import type { HostLookup } from '../types.js';
import type { AgentPool } from './agents.js';
import { checkTarget } from './origin-policy.js';
import type { CheckedTarget, NetworkPattern } from './origin-policy.js';
import { prepareRequest, redirectRequest, refuseStrayPlaceholder, wireHeaders } from './outgoing.js';
import type { OutgoingRequest, SecretContext } from './outgoing.js';
import type { SecretScanner } from './secret-scan.js';
import { withTraceparent } from './trace-context.js';

/** Redirects followed by hand, each re-checked, before giving up. */
export const MAX_REDIRECTS = 5;
/** Time allowed for DNS, connecting, sending the request and receiving the response headers. */
export const HEADERS_TIMEOUT_MS = 30_000;

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

export interface FetchContext {
  readonly pluginId: string;
  readonly patterns: readonly NetworkPattern[];
  readonly lookup: HostLookup;
  readonly secrets: SecretContext;
  /** Aborted when the call is cancelled. */
  readonly signal: AbortSignal | undefined;
  /** Counts one HTTP request against the call's quota; throws ROKU_CAPABILITY_LIMIT when exhausted. */
  readonly countRequest: () => void;
  /** Keep-alive connections of this plugin. */
  readonly agents: AgentPool;
  /** Finds the plugin's secrets in responses. */
  readonly scanner: SecretScanner;
  /** W3C trace id of the run the call serves: the request carries a traceparent in it. */
  readonly traceId?: string | undefined;
}

export interface FetchStartArgs {
  readonly url: string;
  readonly method: string;
  readonly headers: readonly (readonly [string, string])[];
  readonly body: string | null;
  readonly bodyEncoding: 'utf8' | 'base64';
}

export interface FetchOutcome {
  readonly response: IncomingMessage;
  readonly url: URL;
  readonly redirected: boolean;
}

function headerObject(
  request: OutgoingRequest,
  secrets: SecretContext,
  identityOnly: boolean,
): OutgoingHttpHeaders {
  const flat = wireHeaders(request, secrets);
  const headers = Object.create(null) as Record<string, string | string[]>;
  for (let i = 0; i + 1 < flat.length; i += 2) {
    const name = flat[i] ?? '';
    const value = flat[i + 1] ?? '';
    const existing = headers[name];
    headers[name] =
      existing === undefined ? value : [...(Array.isArray(existing) ? existing : [existing]), value];
  }
  // A compressed echo could not be scanned for secrets, so a plugin holding secrets gets bodies as they are.
  if (identityOnly) headers['accept-encoding'] = 'identity';
  return headers;
}

function sendOnce(
  target: CheckedTarget,
  request: OutgoingRequest,
  ctx: FetchContext,
): Promise<IncomingMessage> {
  const { url } = target;
  const where = `${ctx.pluginId}: fetch of ${url.origin}`;
  const transport = url.protocol === 'https:' ? https : http;
  const headers = headerObject(request, ctx.secrets, ctx.scanner.active);
  return new Promise<IncomingMessage>((resolve, reject) => {
    const req = transport.request({
      protocol: url.protocol,
      host: target.host,
      port: target.port,
      path: `${url.pathname}${url.search}`,
      method: request.method,
      headers,
      // a keep-alive agent whose lookup answers only the addresses checked for this origin
      agent: ctx.agents.agentFor(target),
      ...(url.protocol === 'https:' && isIP(target.host) === 0 ? { servername: target.host } : {}),
    });
    const timer = setTimeout(() => {
      req.destroy(failed(`${where} timed out after ${HEADERS_TIMEOUT_MS} ms waiting for response headers`));
    }, HEADERS_TIMEOUT_MS);
    const onAbort = (): void => {
      req.destroy(failed(`${where} was aborted: the call was cancelled`));
    };
    const settle = (): void => {
      clearTimeout(timer);
      ctx.signal?.removeEventListener('abort', onAbort);
    };
    ctx.signal?.addEventListener('abort', onAbort, { once: true });
    req.once('response', (response) => {
      settle();
      resolve(response);
    });
    req.once('error', (err) => {
      settle();
      if (isRokuError(err)) {
        reject(err);
        return;
      }
      const code = (err as { code?: unknown }).code;
      reject(failed(`${where} failed: ${typeof code === 'string' ? code : err.message}`, err));
    });
    if (ctx.signal?.aborted === true) onAbort();
    req.end(request.body ?? undefined);
  });
}

/** A plugin holding secrets asked for identity; a compressed body could hide an echo from the scan. */
function refuseEncodedBody(response: IncomingMessage, target: CheckedTarget, ctx: FetchContext): void {
  const encoding = response.headers['content-encoding']?.trim().toLowerCase();
  if (!ctx.scanner.active || encoding === undefined || encoding === '' || encoding === 'identity') return;
  response.destroy();
  throw denied(
    `${ctx.pluginId}: the response of ${target.url.origin} is compressed (content-encoding: ${quote(encoding, 40)}) although identity was asked; a plugin holding secrets only gets bodies the host can check for them`,
    { origin: target.url.origin },
  );
}

/**
 * Starts an HTTP request on behalf of a plugin: checks the URL and every redirect hop against the network
 * permissions and address rules, connects only to checked addresses, substitutes secrets into headers on the
 * way out and follows at most MAX_REDIRECTS redirects by hand. Returns once the final response's headers are in.
 *
 * @throws ROKU_CAPABILITY_DENIED, ROKU_CAPABILITY_LIMIT, ROKU_CAPABILITY_FAILED, ROKU_CAPABILITY_BAD_REQUEST
 */
export async function startFetch(args: FetchStartArgs, ctx: FetchContext): Promise<FetchOutcome> {
  refuseStrayPlaceholder(ctx.pluginId, 'URL', args.url);
  let request = withTraceparent(prepareRequest(args, ctx.secrets), ctx.traceId);
  let next: string | URL = args.url;
  let previous: URL | undefined;
  for (let hop = 0; ; hop += 1) {
    let target: CheckedTarget;
    try {
      target = await checkTarget(next, {
        pluginId: ctx.pluginId,
        patterns: ctx.patterns,
        lookup: ctx.lookup,
        // DNS counts against the same deadline as connecting and waiting for headers.
        signal: () =>
          AbortSignal.any([
            ...(ctx.signal === undefined ? [] : [ctx.signal]),
            AbortSignal.timeout(HEADERS_TIMEOUT_MS),
          ]),
        answers: ctx.agents.answers,
      });
    } catch (err) {
      if (previous === undefined || !(err instanceof RokuError)) throw err;
      throw new RokuError(dynamicErrorCode(err.code), `${err.message} (redirected from ${previous.origin})`, {
        ...(err.details === undefined ? {} : { details: err.details }),
      });
    }
    ctx.countRequest();
    const response = await sendOnce(target, request, ctx);
    const status = response.statusCode ?? 0;
    const location = response.headers.location;
    if (!REDIRECT_STATUSES.has(status) || location === undefined) {
      refuseEncodedBody(response, target, ctx);
      return { response, url: target.url, redirected: hop > 0 };
    }
    response.destroy();
    if (hop >= MAX_REDIRECTS) {
      throw failed(
        `${ctx.pluginId}: fetch of ${target.url.origin} failed: more than ${MAX_REDIRECTS} redirects`,
      );
    }
    let location_: URL;
    try {
      location_ = new URL(location, target.url);
    } catch {
      throw failed(`${ctx.pluginId}: fetch of ${target.url.origin} failed: redirect to an invalid Location`);
    }
    request = redirectRequest(request, status, location_.origin !== target.url.origin);
    previous = target.url;
    next = location_;
  }
}

/** Response headers as [name, value] pairs, names lower-cased. */
export function responseHeaders(response: IncomingMessage): [string, string][] {
  const pairs: [string, string][] = [];
  const raw = response.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) pairs.push([(raw[i] ?? '').toLowerCase(), raw[i + 1] ?? '']);
  return pairs;
}
