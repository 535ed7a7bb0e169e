import { badRequest, denied, quote } from '../policy.js';

/** One outgoing header; `value` still holds `{{secret:NAME}}` placeholders until the request is sent. */
export interface OutgoingHeader {
  readonly name: string;
  readonly value: string;
  /** Dropped on a redirect to another origin: carries a secret, credentials or cookies. */
  readonly sensitive: boolean;
}

export interface OutgoingRequest {
  readonly method: string;
  readonly headers: readonly OutgoingHeader[];
  readonly body: Buffer | null;
}

export interface SecretContext {
  readonly pluginId: string;
  readonly granted: ReadonlySet<string>;
  readonly values: Readonly<Record<string, string | undefined>>;
}

const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const PLACEHOLDER = /\{\{secret:([^}]*)\}\}/g;
const PLACEHOLDER_START = /\{\{\s*secret\s*:/i;
/**
 * Connection-level headers the host owns; a plugin's values for them are dropped (fetch implementations set
 * some of them routinely), and so is every header a plugin's own `Connection` header names.
 */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'te',
  'trailer',
  'upgrade',
  'expect',
  'content-length',
]);
const CREDENTIAL_HEADERS = new Set(['authorization', 'cookie']);
/**
 * Headers that speak for a proxy or claim a client identity (who the request is forwarded for, its original
 * address or URL). Upstreams trust them from their own proxies; a plugin setting one is refused.
 */
const FORWARDING_HEADERS = new Set([
  'forwarded',
  'via',
  'x-real-ip',
  'x-client-ip',
  'client-ip',
  'true-client-ip',
  'cf-connecting-ip',
  'fastly-client-ip',
  'x-cluster-client-ip',
  'x-originating-ip',
  'x-original-url',
  'x-rewrite-url',
]);

/** Why a plugin may not set the header `name` (lower case), or undefined. */
export function forwardingHeaderProblem(name: string): string | undefined {
  if (name.startsWith('proxy-')) return 'Proxy-* headers are for proxies, not for a plugin';
  if (name.startsWith('x-forwarded-') || FORWARDING_HEADERS.has(name)) {
    return 'forwarding headers claim a client identity or a proxy hop the host does not make';
  }
  return undefined;
}

/** Names a plugin's `Connection` header lists: hop-by-hop by declaration, so they never leave the host. */
function connectionListed(headers: readonly (readonly [string, string])[]): Set<string> {
  const listed = new Set<string>();
  for (const [name, value] of headers) {
    if (name.toLowerCase() !== 'connection') continue;
    for (const token of value.split(',')) listed.add(token.trim().toLowerCase());
  }
  return listed;
}

/** Refuses secret placeholders outside header values, where they would never be substituted. */
export function refuseStrayPlaceholder(pluginId: string, where: string, text: string): void {
  if (PLACEHOLDER_START.test(text)) {
    throw denied(
      `${pluginId}: secret references are substituted in request header values only, not in the ${where}`,
    );
  }
}

function checkSecretNames(value: string, header: string, ctx: SecretContext): boolean {
  let found = false;
  for (const match of value.matchAll(PLACEHOLDER)) {
    found = true;
    const name = match[1] ?? '';
    if (!ctx.granted.has(name)) {
      throw denied(
        `${ctx.pluginId}: secret ${quote(name)} in header ${quote(header)} denied: not named in permissions.secrets`,
      );
    }
    if (ctx.values[name] === undefined) {
      throw denied(
        `${ctx.pluginId}: secret ${quote(name)} in header ${quote(header)} denied: the host has no value for it; set it with \`roku auth set ${name}\` (or the environment variable ${name})`,
      );
    }
  }
  if (!found) refuseStrayPlaceholder(ctx.pluginId, `malformed reference of header ${quote(header)}`, value);
  return found;
}

/**
 * Checks method, headers and body of a `fetch.start` before anything is sent: secret references name granted
 * secrets that have values, Host is not overridden, forwarding and Proxy-* headers are refused, hop-by-hop
 * headers and the names a plugin's Connection header lists are dropped.
 *
 * @throws ROKU_CAPABILITY_BAD_REQUEST, ROKU_CAPABILITY_DENIED
 */
export function prepareRequest(
  args: {
    method: string;
    headers: readonly (readonly [string, string])[];
    body: string | null;
    bodyEncoding: 'utf8' | 'base64';
  },
  ctx: SecretContext,
): OutgoingRequest {
  const method = args.method.toUpperCase();
  if (!METHODS.has(method)) {
    throw badRequest(
      `${ctx.pluginId}: HTTP method ${quote(args.method)} is not supported; use one of ${[...METHODS].join(', ')}`,
    );
  }
  const headers: OutgoingHeader[] = [];
  const listed = connectionListed(args.headers);
  for (const [rawName, value] of args.headers) {
    refuseStrayPlaceholder(ctx.pluginId, 'header names', rawName);
    const name = rawName.toLowerCase();
    if (!TOKEN.test(name))
      throw badRequest(`${ctx.pluginId}: header name ${quote(rawName)} is not a valid HTTP token`);
    if (/[\r\n\0]/.test(value)) {
      throw badRequest(`${ctx.pluginId}: header ${quote(rawName)} has a line break or NUL in its value`);
    }
    if (name === 'host') throw denied(`${ctx.pluginId}: overriding the Host header is denied`);
    const forwarding = forwardingHeaderProblem(name);
    if (forwarding !== undefined) {
      throw denied(`${ctx.pluginId}: header ${quote(rawName)} denied: ${forwarding}`, { header: name });
    }
    if (HOP_BY_HOP.has(name) || listed.has(name)) continue;
    const secret = checkSecretNames(value, rawName, ctx);
    headers.push({ name, value, sensitive: secret || CREDENTIAL_HEADERS.has(name) });
  }
  let body: Buffer | null = null;
  if (args.body !== null) {
    if (method === 'GET' || method === 'HEAD')
      throw badRequest(`${ctx.pluginId}: a ${method} request cannot have a body`);
    if (args.bodyEncoding === 'base64') {
      if (!/^[A-Za-z0-9+/]*={0,2}$/.test(args.body))
        throw badRequest(`${ctx.pluginId}: request body is not valid base64`);
      body = Buffer.from(args.body, 'base64');
    } else {
      body = Buffer.from(args.body, 'utf8');
    }
    refuseStrayPlaceholder(ctx.pluginId, 'request body', body.toString('latin1'));
  }
  return { method, headers, body };
}

/** The header list as it goes on the wire: placeholders replaced by secret values, Content-Length set. */
export function wireHeaders(request: OutgoingRequest, ctx: SecretContext): string[] {
  const flat: string[] = [];
  for (const header of request.headers) {
    const value = header.value.replace(PLACEHOLDER, (_whole, name: string) => ctx.values[name] ?? '');
    if (/[\r\n\0]/.test(value)) {
      throw denied(
        `${ctx.pluginId}: a secret referenced in header ${quote(header.name)} contains a line break`,
      );
    }
    flat.push(header.name, value);
  }
  if (request.body !== null) flat.push('content-length', String(request.body.length));
  return flat;
}

/**
 * The request for the next redirect hop: 303 (and 301/302 after POST) become GET without a body; a hop to
 * another origin drops headers carrying secrets, credentials or cookies.
 */
export function redirectRequest(
  request: OutgoingRequest,
  status: number,
  crossOrigin: boolean,
): OutgoingRequest {
  const toGet =
    (status === 303 && request.method !== 'HEAD') ||
    ((status === 301 || status === 302) && request.method === 'POST');
  const headers = request.headers.filter(
    (h) => !(crossOrigin && h.sensitive) && !(toGet && h.name.startsWith('content-')),
  );
  return { method: toGet ? 'GET' : request.method, headers, body: toGet ? null : request.body };
}
