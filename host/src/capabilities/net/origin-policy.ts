import { isIP } from 'node:net';
import { forbiddenHostProblem, networkPatternProblem } from '@roku/schemas';
import { badRequest, denied, failed, quote } from '../policy.js';
import type { HostLookup, ResolvedAddress } from '../types.js';
import { canonicalAddress, classifyAddress, describeVerdict } from './address.js';
import { sharedWildcardProblem } from './shared-suffix.js';

/** Who granted a pattern: the publisher's manifest, or the user's own config (`plugins.grants[id].network`). */
export type PatternSource = 'manifest' | 'user';

export interface NetworkPattern {
  readonly text: string;
  readonly scheme: string;
  /** `*`, `*.suffix` (suffix without the dot) or a normalised host name or IP literal. */
  readonly host:
    | { readonly kind: 'any' }
    | { readonly kind: 'suffix'; readonly suffix: string }
    | { readonly kind: 'exact'; readonly name: string };
  /** Undefined means the scheme's default port. */
  readonly port: number | '*' | undefined;
  readonly source: PatternSource;
  /**
   * Why this pattern grants nothing although it is valid: a manifest wildcard over a shared hosting suffix
   * that the user's config does not grant too.
   */
  readonly inert?: string;
}

/** A URL the policy accepted, with the addresses it may be reached at. */
export interface CheckedTarget {
  readonly url: URL;
  readonly port: number;
  /** The host to connect to: a name, or an IP literal without brackets. */
  readonly host: string;
  readonly addresses: readonly ResolvedAddress[];
}

const DEFAULT_PORTS: Readonly<Record<string, number>> = { http: 80, https: 443, ws: 80, wss: 443 };
const LOOPBACK_ANSWER: readonly ResolvedAddress[] = [
  { address: '127.0.0.1', family: 4 },
  { address: '::1', family: 6 },
];

function bareHost(hostname: string): string {
  return hostname.startsWith('[') && hostname.endsWith(']') ? hostname.slice(1, -1) : hostname;
}

/** A URL host name as patterns are matched against it: lower case (URL does that), no trailing dot. */
function matchName(hostname: string): string {
  return hostname.endsWith('.') ? hostname.slice(0, -1) : hostname;
}

/** `localhost` and every name under `.localhost` are loopback (RFC 6761): never asked of DNS. */
export function isLoopbackName(hostname: string): boolean {
  const name = matchName(hostname.toLowerCase());
  return name === 'localhost' || name.endsWith('.localhost');
}

function parsePattern(text: string, source: PatternSource): NetworkPattern | undefined {
  if (networkPatternProblem(text) !== undefined) return undefined;
  const match = /^([a-z][a-z0-9+.-]*):\/\/(.*)$/i.exec(text);
  const scheme = (match?.[1] ?? '').toLowerCase();
  let rest = match?.[2] ?? '';
  let port: NetworkPattern['port'];
  const portMatch = /:(\d+|\*)$/.exec(rest);
  if (portMatch !== null && !rest.endsWith(']')) {
    port = portMatch[1] === '*' ? '*' : Number(portMatch[1]);
    rest = rest.slice(0, portMatch.index);
  }
  if (port !== undefined && port !== '*' && port === DEFAULT_PORTS[scheme]) port = undefined;
  let host: NetworkPattern['host'];
  if (rest === '*') host = { kind: 'any' };
  else if (rest.startsWith('*.')) host = { kind: 'suffix', suffix: rest.slice(2).toLowerCase() };
  else {
    try {
      // Normalise exactly as request URLs are normalised (IPv4 forms, IDNA, case).
      host = { kind: 'exact', name: matchName(new URL(`http://${rest}`).hostname) };
    } catch {
      return undefined;
    }
  }
  return { text, scheme, host, port, source };
}

/**
 * Parses the manifest's and the user's permission patterns; invalid ones (the validator already refuses
 * them) grant nothing. A manifest wildcard over a shared hosting suffix is kept but inert unless the user's
 * patterns name it too.
 */
export function parseNetworkPatterns(
  manifest: readonly string[],
  user: readonly string[] = [],
): NetworkPattern[] {
  const parsed: NetworkPattern[] = [];
  const userTexts = new Set(user.map((t) => t.toLowerCase()));
  for (const text of manifest) {
    const pattern = parsePattern(text, 'manifest');
    if (pattern === undefined) continue;
    const shared =
      pattern.host.kind === 'suffix' && !userTexts.has(text.toLowerCase())
        ? sharedWildcardProblem(pattern.host.suffix)
        : undefined;
    parsed.push(shared === undefined ? pattern : { ...pattern, inert: shared });
  }
  for (const text of user) {
    const pattern = parsePattern(text, 'user');
    if (pattern !== undefined) parsed.push(pattern);
  }
  return parsed;
}

function hostMatches(pattern: NetworkPattern, hostname: string): boolean {
  switch (pattern.host.kind) {
    case 'any':
      return true;
    case 'suffix':
      return isIP(bareHost(hostname)) === 0 && hostname.endsWith(`.${pattern.host.suffix}`);
    case 'exact':
      return pattern.host.name === hostname;
  }
}

function portMatches(pattern: NetworkPattern, url: URL): boolean {
  if (pattern.port === '*') return true;
  // WHATWG URL leaves `port` empty when it is the scheme's default.
  return pattern.port === undefined ? url.port === '' : String(pattern.port) === url.port;
}

/**
 * May `pattern` reach a non-public address? Only a pattern of the user's own config that names a host exactly:
 * an IP literal reaches that address, a name (localhost included) whatever it resolves to. A publisher's
 * manifest never opens loopback or private networks, and no wildcard does.
 */
function patternAllowsSpecial(pattern: NetworkPattern, address: string): boolean {
  if (pattern.source !== 'user' || pattern.host.kind !== 'exact') return false;
  const named = canonicalAddress(pattern.host.name);
  return named === undefined || named === canonicalAddress(address);
}

/** Recent DNS answers by host name; only answers, never verdicts: every use is checked again. */
export interface DnsAnswers {
  get(hostname: string): readonly ResolvedAddress[] | undefined;
  set(hostname: string, addresses: readonly ResolvedAddress[]): void;
}

export interface OriginCheckOptions {
  readonly pluginId: string;
  readonly patterns: readonly NetworkPattern[];
  readonly lookup: HostLookup;
  /** Aborts the DNS lookup; made only when DNS is asked (IP literals, loopback names and kept answers are not). */
  readonly signal: () => AbortSignal;
  /** Where answers are kept and looked up first. */
  readonly answers?: DnsAnswers | undefined;
}

function neverReachable(pluginId: string, origin: string, problem: string): Error {
  return denied(
    `${pluginId}: network access to ${origin} denied: ${problem}; metadata services and link-local addresses are never reachable, whatever is granted`,
    { origin },
  );
}

function userGrantHint(pluginId: string): string {
  return `only your own config can grant it (plugins.grants[${JSON.stringify(pluginId)}].network)`;
}

/** Parses a URL and checks scheme, credentials and permission patterns (no DNS yet). */
export function checkUrl(
  raw: string | URL,
  options: Pick<OriginCheckOptions, 'pluginId' | 'patterns'>,
): {
  url: URL;
  matching: NetworkPattern[];
} {
  const { pluginId } = options;
  let url: URL;
  try {
    url = typeof raw === 'string' ? new URL(raw) : raw;
  } catch {
    throw badRequest(
      `${pluginId}: ${quote(typeof raw === 'string' ? raw : raw.href)} is not a valid absolute URL`,
    );
  }
  const scheme = url.protocol.slice(0, -1);
  if (scheme !== 'http' && scheme !== 'https') {
    throw denied(
      `${pluginId}: network access to ${quote(url.protocol)} URLs denied: only http and https can be fetched`,
    );
  }
  if (url.username !== '' || url.password !== '') {
    throw badRequest(
      `${pluginId}: URL of ${url.origin} must not contain credentials; send them in a header with a secret reference`,
    );
  }
  const forbidden = forbiddenHostProblem(url.hostname);
  if (forbidden !== undefined) throw neverReachable(pluginId, url.origin, forbidden);
  const name = matchName(url.hostname);
  const matching = options.patterns.filter(
    (p) => p.scheme === scheme && hostMatches(p, name) && portMatches(p, url),
  );
  const effective = matching.filter((p) => p.inert === undefined);
  if (effective.length === 0) {
    const inert = matching[0]?.inert;
    throw denied(
      inert === undefined
        ? `${pluginId}: network access to ${url.origin} denied: not named in permissions.network`
        : `${pluginId}: network access to ${url.origin} denied: the manifest's ${quote(matching[0]?.text ?? '')} grants nothing because ${inert}; ${userGrantHint(pluginId)}`,
      { origin: url.origin },
    );
  }
  return { url, matching: effective };
}

async function resolve(hostname: string, options: OriginCheckOptions): Promise<readonly ResolvedAddress[]> {
  const literal = bareHost(hostname);
  const family = isIP(literal);
  if (family === 4 || family === 6) return [{ address: literal, family }];
  // Loopback by name never reaches DNS, which could answer anything for it.
  if (isLoopbackName(hostname)) return LOOPBACK_ANSWER;
  const kept = options.answers?.get(hostname);
  if (kept !== undefined) return kept;
  const signal = options.signal();
  let addresses: readonly ResolvedAddress[];
  let onAbort: (() => void) | undefined;
  try {
    addresses = await Promise.race([
      options.lookup(hostname),
      new Promise<never>((_, reject) => {
        onAbort = () => {
          reject(new Error('aborted or timed out'));
        };
        if (signal.aborted) onAbort();
        signal.addEventListener('abort', onAbort, { once: true });
      }),
    ]);
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    const reason = typeof code === 'string' ? code : err instanceof Error ? err.message : String(err);
    throw failed(`${options.pluginId}: DNS lookup of ${hostname} failed: ${reason}`, err);
  } finally {
    if (onAbort !== undefined) signal.removeEventListener('abort', onAbort);
  }
  if (addresses.length === 0)
    throw failed(`${options.pluginId}: DNS lookup of ${hostname} returned no addresses`);
  options.answers?.set(hostname, addresses);
  return addresses;
}

/**
 * Checks a URL against the network permissions, resolves its host and checks every address. Metadata
 * services and link-local addresses (also inside IPv4-mapped, NAT64, 6to4 and Teredo addresses) are refused
 * whatever is granted; loopback, private and other non-public addresses only when a pattern of the user's own
 * config names that host exactly (an IP literal, localhost or a name). The caller must connect only to the
 * returned addresses. An answer kept from an earlier lookup (`answers`) is checked like a fresh one: keeping it
 * saves the DNS round trip, never a check.
 *
 * @throws ROKU_CAPABILITY_DENIED, ROKU_CAPABILITY_BAD_REQUEST, ROKU_CAPABILITY_FAILED (DNS)
 */
export async function checkTarget(raw: string | URL, options: OriginCheckOptions): Promise<CheckedTarget> {
  const { url, matching } = checkUrl(raw, options);
  const { pluginId } = options;
  const addresses = await resolve(url.hostname, options);
  for (const { address, family } of addresses) {
    const verdict = classifyAddress(address);
    if (isIP(address) !== family || verdict.special === 'invalid') {
      throw failed(
        `${pluginId}: DNS lookup of ${url.hostname} returned an invalid address ${quote(address)}`,
      );
    }
    const via = bareHost(url.hostname) === address ? '' : ` (${url.hostname} resolves to ${address})`;
    const forbidden = forbiddenHostProblem(family === 6 ? `[${address}]` : address);
    if (forbidden !== undefined) throw neverReachable(pluginId, `${url.origin}${via}`, forbidden);
    if (verdict.special === undefined) continue;
    if (!matching.some((p) => patternAllowsSpecial(p, address))) {
      const why = matching.some((p) => p.source === 'user')
        ? 'your config grants it by a wildcard or another address; name this host in plugins.grants'
        : `a plugin's manifest never opens loopback or private networks; ${userGrantHint(pluginId)}`;
      throw denied(
        `${pluginId}: network access to ${url.origin} denied${via}: ${describeVerdict(verdict)}; ${why}`,
        { origin: url.origin, address, class: verdict.special },
      );
    }
  }
  const scheme = url.protocol.slice(0, -1);
  const port = url.port === '' ? (DEFAULT_PORTS[scheme] ?? 0) : Number(url.port);
  return { url, port, host: bareHost(url.hostname), addresses };
}
