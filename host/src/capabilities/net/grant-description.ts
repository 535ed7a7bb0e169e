import { forbiddenHostProblem, networkPatternProblem } from '@roku/schemas';
import { classifyAddress } from './address.js';
import { isLoopbackName, parseNetworkPatterns } from './origin-policy.js';
import type { NetworkPattern, PatternSource } from './origin-policy.js';

/** What one network grant means, as consent and `roku plugin info` show it. */
export interface NetworkGrantMeaning {
  readonly pattern: string;
  readonly source: PatternSource;
  /** Does the grant take effect? A manifest cannot open loopback/private networks or shared-suffix wildcards. */
  readonly effective: boolean;
  /** One line in plain words, e.g. `connect to any host under example.com (https)`. */
  readonly text: string;
}

const CONFIG_HINT = 'only your config can grant it (plugins.grants)';

function reach(p: NetworkPattern): string {
  const port = p.port === undefined ? '' : p.port === '*' ? ', any port' : `, port ${p.port}`;
  switch (p.host.kind) {
    case 'any':
      return `any public host (${p.scheme}${port})`;
    case 'suffix':
      return `any host under ${p.host.suffix} (${p.scheme}${port})`;
    case 'exact':
      return p.text;
  }
}

/** 'loopback' / 'private' when an exactly named host is one (by name or literal); undefined otherwise. */
function localKind(p: NetworkPattern): 'loopback' | 'private' | undefined {
  if (p.host.kind !== 'exact') return undefined;
  if (isLoopbackName(p.host.name)) return 'loopback';
  const special = classifyAddress(p.host.name.replace(/^\[|\]$/g, '')).special;
  if (special === undefined || special === 'invalid') return undefined;
  return special === 'loopback' ? 'loopback' : 'private';
}

function describeOne(p: NetworkPattern): NetworkGrantMeaning {
  const base = `connect to ${reach(p)}`;
  const local = localKind(p);
  if (p.source === 'user') {
    const marker =
      local === undefined ? 'granted by your config' : `${local}/private: granted by your config`;
    return { pattern: p.text, source: p.source, effective: true, text: `${base} (${marker})` };
  }
  if (p.inert !== undefined) {
    return {
      pattern: p.text,
      source: p.source,
      effective: false,
      text: `${base}: refused, because ${p.inert}; ${CONFIG_HINT}`,
    };
  }
  if (local !== undefined) {
    return {
      pattern: p.text,
      source: p.source,
      effective: false,
      text: `${base}: refused, a plugin's manifest cannot open ${local} addresses; ${CONFIG_HINT}`,
    };
  }
  return { pattern: p.text, source: p.source, effective: true, text: base };
}

/**
 * The effective network grants of a plugin in plain words: its manifest's patterns, then the user's own from
 * `plugins.grants[id].network`. Loopback and private grants from the user's config are marked
 * "loopback/private: granted by your config"; manifest patterns that grant nothing (loopback, private,
 * wildcards over shared hosting suffixes) say why; patterns that can never be granted say so too.
 *
 * @example
 * describeNetworkGrants(['https://*.github.io'], ['http://127.0.0.1:11434']).map((g) => g.text)
 * // ['connect to any host under github.io (https): refused, because github.io is a public suffix …',
 * //  'connect to http://127.0.0.1:11434 (loopback/private: granted by your config)']
 */
export function describeNetworkGrants(
  manifest: readonly string[],
  user: readonly string[] = [],
): NetworkGrantMeaning[] {
  const parsed = parseNetworkPatterns(manifest, user);
  const out: NetworkGrantMeaning[] = [];
  for (const [source, list] of [
    ['manifest', manifest],
    ['user', user],
  ] as const) {
    for (const text of list) {
      const pattern = parsed.find((p) => p.source === source && p.text === text);
      if (pattern !== undefined) {
        out.push(describeOne(pattern));
        continue;
      }
      const problem =
        networkPatternProblem(text) ?? forbiddenHostProblem(text) ?? 'it is not a valid pattern';
      out.push({ pattern: text, source, effective: false, text: `connect to ${text}: refused, ${problem}` });
    }
  }
  return out;
}
