/** Han, Hiragana and Katakana have no spaces between words: each character counts as a word. */
const WORD = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}]|[\p{L}\p{N}\p{M}]+/gu;
/** Query words kept at most; a long goal is cut rather than making a huge OR. */
const MAX_TERMS = 24;

export interface ParsedQuery {
  /** FTS5 phrases of the free-text words (OR-ed), in query order. */
  readonly words: readonly string[];
  /** FTS5 column filters of `tag:` words (AND-ed). */
  readonly tags: readonly string[];
  /** `id:<id>`: look one record up. */
  readonly id: string | undefined;
}

const quoted = (word: string): string => `"${word.replaceAll('"', '""')}"`;

/**
 * Reads a recall query: free-text words become FTS5 phrases to OR (BM25 ranks records that match more, and
 * rarer, words higher); `tag:<tag>` words must all match the record's tags; `id:<id>` alone looks one record up.
 */
export function parseQuery(query: string): ParsedQuery {
  const trimmed = query.trim();
  const idMatch = /^id:(\S+)$/.exec(trimmed);
  if (idMatch !== null) return { words: [], tags: [], id: idMatch[1] };
  const tags: string[] = [];
  const words = new Set<string>();
  for (const part of trimmed.split(/\s+/)) {
    if (part.startsWith('tag:') && part.length > 4) {
      tags.push(`tags : ${quoted(part.slice(4).toLowerCase())}`);
      continue;
    }
    for (const word of part.toLowerCase().match(WORD) ?? []) if (words.size < MAX_TERMS) words.add(word);
  }
  return { words: [...words].map(quoted), tags, id: undefined };
}

/** The MATCH expression for these words and tag filters; undefined when there is nothing to match. */
export function matchExpression(words: readonly string[], tags: readonly string[]): string | undefined {
  const parts = [...tags, ...(words.length === 0 ? [] : [`(${words.join(' OR ')})`])];
  return parts.length === 0 ? undefined : parts.join(' AND ');
}
