/** Han, Hiragana and Katakana have no spaces between words: each character counts as a word. */
const WORD = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}]|[\p{L}\p{N}\p{M}]+/gu;

/** The distinct lower-cased word tokens of a text. */
export function tokens(text: string): Set<string> {
  return new Set(text.toLowerCase().match(WORD) ?? []);
}

/** Share of the query's distinct words that occur in the record (its text and tags), from 0 to 1. */
export function overlapScore(query: ReadonlySet<string>, record: ReadonlySet<string>): number {
  if (query.size === 0) return 0;
  let hits = 0;
  for (const word of query) if (record.has(word)) hits += 1;
  return hits / query.size;
}
