/** Han, Hiragana and Katakana have no spaces between words: each character counts as a word. */
const WORD = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}]|[\p{L}\p{N}\p{M}]+/gu;
/** Query words kept at most; a long goal is cut rather than making a huge OR. */
const MAX_TERMS = 24;

export interface ParsedQuery {
  /** An FTS5 MATCH expression, or undefined when there is nothing to match. */
  readonly match: string | undefined;
  /** Whether free-text words were given (rank by relevance) or only `tag:` filters (rank by recency). */
  readonly ranked: boolean;
  /** `id:<id>`: look one record up. */
  readonly id: string | undefined;
}

const quoted = (word: string): string => `"${word.replaceAll('"', '""')}"`;

/**
 * Reads a recall query: words are OR-ed (BM25 ranks records that match more, and rarer, words higher);
 * `tag:<tag>` words must all match the record's tags; `id:<id>` alone looks one record up.
 */
export function parseQuery(query: string): ParsedQuery {
  const trimmed = query.trim();
  const idMatch = /^id:(\S+)$/.exec(trimmed);
  if (idMatch !== null) return { match: undefined, ranked: false, id: idMatch[1] };
  const tags: string[] = [];
  const words = new Set<string>();
  for (const part of trimmed.split(/\s+/)) {
    if (part.startsWith('tag:') && part.length > 4) {
      tags.push(`tags : ${quoted(part.slice(4).toLowerCase())}`);
      continue;
    }
    for (const word of part.toLowerCase().match(WORD) ?? []) if (words.size < MAX_TERMS) words.add(word);
  }
  const text = [...words].map(quoted).join(' OR ');
  const parts = [...tags, ...(text === '' ? [] : [`(${text})`])];
  return {
    match: parts.length === 0 ? undefined : parts.join(' AND '),
    ranked: words.size > 0,
    id: undefined,
  };
}
