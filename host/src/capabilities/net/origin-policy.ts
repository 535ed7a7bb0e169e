import { isIP } from 'node:net';
import { networkPatternProblem } from '@roku/schemas';
import { badRequest, denied, failed, quote } from '../policy.js';
import type { HostLookup, ResolvedAddress } from '../types.js';
import { canonicalAddress, classifyAddress, describeVerdict } from './address.js';

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

function bareHost(hostname: string): string {
  return hostname.startsWith('[') && hostname.endsWith(']') ? hostname.slice(1, -1) : hostname;
}

/** Parses permission patterns; invalid ones (the validator already refuses them) grant nothing. */
export function parseNetworkPatterns(patterns: readonly string[]): NetworkPattern[] {
  const parsed: NetworkPattern[] = [];
  for (const text of patterns) {
    if (networkPatternProblem(text) !== undefined) continue;
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
        host = { kind: 'exact', name: new URL(`http://${rest}`).hostname };
      } catch {
        continue;
      }
    }
    parsed.push({ text, scheme, host, port });
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

/** May `pattern` reach an address of class `special`? Only when it names that IP literal, or localhost for loopback. */
function patternAllowsSpecial(pattern: NetworkPattern, address: string, loopback: boolean): boolean {
  if (pattern.host.kind !== 'exact') return false;
  if (loopback && pattern.host.name === 'localhost') return true;
  const named = canonicalAddress(pattern.host.name);
  return named !== undefined && named === canonicalAddress(address);
}

export interface OriginCheckOptions {
  readonly pluginId: string;
  readonly patterns: readonly NetworkPattern[];
  readonly lookup: HostLookup;
  readonly signal: AbortSignal;
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
  const matching = options.patterns.filter(
    (p) => p.scheme === scheme && hostMatches(p, url.hostname) && portMatches(p, url),
  );
  if (matching.length === 0) {
    throw denied(`${pluginId}: network access to ${url.origin} denied: not named in permissions.network`, {
      origin: url.origin,
    });
  }
  return { url, matching };
}

async function resolve(hostname: string, options: OriginCheckOptions): Promise<readonly ResolvedAddress[]> {
  const literal = bareHost(hostname);
  const family = isIP(literal);
  if (family === 4 || family === 6) return [{ address: literal, family }];
  let addresses: readonly ResolvedAddress[];
  let onAbort: (() => void) | undefined;
  try {
    addresses = await Promise.race([
      options.lookup(hostname),
      new Promise<never>((_, reject) => {
        onAbort = () => {
          reject(new Error('aborted or timed out'));
        };
        if (options.signal.aborted) onAbort();
        options.signal.addEventListener('abort', onAbort, { once: true });
      }),
    ]);
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    const reason = typeof code === 'string' ? code : err instanceof Error ? err.message : String(err);
    throw failed(`${options.pluginId}: DNS lookup of ${hostname} failed: ${reason}`, err);
  } finally {
    if (onAbort !== undefined) options.signal.removeEventListener('abort', onAbort);
  }
  if (addresses.length === 0)
    throw failed(`${options.pluginId}: DNS lookup of ${hostname} returned no addresses`);
  return addresses;
}

/**
 * Checks a URL against the network permissions, resolves its host and checks every address: loopback,
 * private, link-local and other non-public addresses are refused unless the matching pattern names that
 * exact IP literal (or `localhost`, for loopback). The caller must connect only to the returned addresses.
 *
 * @throws ROKU_CAPABILITY_DENIED, ROKU_CAPABILITY_BAD_REQUEST, ROKU_CAPABILITY_FAILED (DNS)
 */
export async function checkTarget(raw: string | URL, options: OriginCheckOptions): Promise<CheckedTarget> {
  const { url, matching } = checkUrl(raw, options);
  const addresses = await resolve(url.hostname, options);
  for (const { address, family } of addresses) {
    const verdict = classifyAddress(address);
    if (isIP(address) !== family || verdict.special === 'invalid') {
      throw failed(
        `${options.pluginId}: DNS lookup of ${url.hostname} returned an invalid address ${quote(address)}`,
      );
    }
    if (verdict.special === undefined) continue;
    const loopback = verdict.special === 'loopback';
    if (!matching.some((p) => patternAllowsSpecial(p, address, loopback))) {
      const via = bareHost(url.hostname) === address ? '' : ` (${url.hostname} resolves to ${address})`;
      throw denied(
        `${options.pluginId}: network access to ${url.origin} denied${via}: ${describeVerdict(verdict)} (not named in permissions.network)`,
        { origin: url.origin, address, class: verdict.special },
      );
    }
  }
  const scheme = url.protocol.slice(0, -1);
  const port = url.port === '' ? (DEFAULT_PORTS[scheme] ?? 0) : Number(url.port);
  return { url, port, host: bareHost(url.hostname), addresses };
}
