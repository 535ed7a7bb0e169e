import { createRequire } from 'node:module';
import { parse } from 'tldts';

/*
 * Wildcards over shared hosting domains. `*.github.io` names every GitHub Pages site, whoever owns it, so a
 * manifest wildcard is refused when its base is a public suffix (tldts bundles the Public Suffix List, ICANN
 * and private sections, offline) or has public suffixes beneath it (`*.amazonaws.com` covers
 * `bucket.s3.amazonaws.com`, one tenant among millions). The second question needs the list itself, which
 * tldts keeps in a trie of reversed labels; it is read once, lazily, and checked for the shape this code
 * expects (a changed tldts falls back to the first question alone, which a test would notice).
 */

interface Trie {
  readonly edgeStart: ArrayLike<number>;
  readonly edgeLength: ArrayLike<number>;
  readonly edgeChild: ArrayLike<number>;
  readonly labelText: string;
  readonly rulesRoot: number;
}

let trie: { data: Trie; offsets: Uint32Array } | null | undefined;

function loadTrie(): { data: Trie; offsets: Uint32Array } | null {
  if (trie !== undefined) return trie;
  try {
    const data = createRequire(import.meta.url)('tldts/dist/cjs/src/data/trie.js') as Partial<Trie>;
    const { edgeStart, edgeLength, edgeChild, labelText, rulesRoot } = data;
    if (
      edgeStart === undefined ||
      edgeLength === undefined ||
      edgeChild === undefined ||
      typeof labelText !== 'string' ||
      typeof rulesRoot !== 'number'
    ) {
      trie = null;
      return trie;
    }
    const offsets = new Uint32Array(edgeLength.length);
    for (let edge = 0, offset = 0; edge < edgeLength.length; edge += 1) {
      offsets[edge] = offset;
      offset += edgeLength[edge] ?? 0;
    }
    trie = { data: { edgeStart, edgeLength, edgeChild, labelText, rulesRoot }, offsets };
  } catch {
    trie = null;
  }
  return trie;
}

/** Does the list hold a rule strictly beneath `base` (e.g. s3.amazonaws.com beneath amazonaws.com)? */
function hasSuffixBeneath(base: string): boolean {
  const loaded = loadTrie();
  if (loaded === null) return false;
  const { data, offsets } = loaded;
  let node = data.rulesRoot;
  for (const label of base.split('.').reverse()) {
    let next = -1;
    for (let edge = data.edgeStart[node] ?? 0; edge < (data.edgeStart[node + 1] ?? 0); edge += 1) {
      const start = offsets[edge] ?? 0;
      const text = data.labelText.slice(start, start + (data.edgeLength[edge] ?? 0));
      if (text === label || text === '*') {
        next = data.edgeChild[edge] ?? -1;
        if (text === label) break;
      }
    }
    if (next === -1) return false;
    node = next;
  }
  return (data.edgeStart[node + 1] ?? 0) > (data.edgeStart[node] ?? 0);
}

/**
 * Why a wildcard `*.<base>` would cover sites of different owners, or undefined when one owner holds every
 * name under it.
 *
 * @example sharedWildcardProblem('github.io') // 'github.io is a public suffix (private section of the …)'
 */
export function sharedWildcardProblem(base: string): string | undefined {
  const name = base.toLowerCase().replace(/\.$/, '');
  const parsed = parse(`x.${name}`, { allowPrivateDomains: true });
  if (parsed.publicSuffix === name) {
    const section =
      parsed.isPrivate === true
        ? 'in the private section of the Public Suffix List'
        : parsed.isIcann === true
          ? 'in the ICANN section of the Public Suffix List'
          : 'by the default rule of the Public Suffix List';
    return `${name} is a public suffix (${section}): every name under it can belong to someone else`;
  }
  if (hasSuffixBeneath(name)) {
    return `${name} has public suffixes beneath it (shared hosting): names under it belong to different owners`;
  }
  return undefined;
}
