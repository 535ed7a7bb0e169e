/** BM25 parameters of the original's resource catalog (spec §2.10). */
export const BM25_K1 = 1.5;
export const BM25_B = 0.75;

const STOP_WORDS = new Set([
  'a',
  'an',
  'and',
  'are',
  'as',
  'at',
  'be',
  'by',
  'for',
  'from',
  'in',
  'into',
  'is',
  'it',
  'of',
  'on',
  'or',
  'that',
  'the',
  'this',
  'to',
  'with',
]);

const CJK = /[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af]/u;

/** Crude English stemming: enough for `files` to find `file` and `queries` to find `query`. */
function stem(word: string): string {
  if (word.length > 4 && word.endsWith('ies')) return `${word.slice(0, -3)}y`;
  if (word.length > 3 && word.endsWith('s') && !/(ss|us|is)$/.test(word)) return word.slice(0, -1);
  return word;
}

/**
 * Search terms of a text: split at camelCase humps, digits-to-letters boundaries kept, and anything that is
 * not a letter or digit (so `read_file`, `read-file` and `readFile` all give `read`, `file`); lower-cased,
 * stop words dropped, lightly stemmed; CJK runs become single characters.
 */
export function tokenize(text: string): string[] {
  const spaced = text.replace(/([a-z0-9])([A-Z])/g, '$1 $2').replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2');
  const terms: string[] = [];
  for (const raw of spaced.toLowerCase().split(/[^\p{L}\p{N}]+/u)) {
    if (raw === '') continue;
    if (CJK.test(raw)) {
      for (const char of raw) terms.push(char);
      continue;
    }
    if (STOP_WORDS.has(raw)) continue;
    terms.push(stem(raw));
  }
  return terms;
}

/** A BM25 index over fixed documents (each a list of terms). */
export interface Bm25Index {
  /** One score per document, in document order; 0 for documents sharing no term with the query. */
  score(queryTerms: readonly string[]): number[];
}

export function createBm25Index(documents: readonly (readonly string[])[]): Bm25Index {
  const count = documents.length;
  const lengths = documents.map((d) => d.length);
  const averageLength = count === 0 ? 0 : lengths.reduce((a, b) => a + b, 0) / count;
  const frequencies = documents.map((doc) => {
    const tf = new Map<string, number>();
    for (const term of doc) tf.set(term, (tf.get(term) ?? 0) + 1);
    return tf;
  });
  const documentFrequency = new Map<string, number>();
  for (const tf of frequencies) {
    for (const term of tf.keys()) documentFrequency.set(term, (documentFrequency.get(term) ?? 0) + 1);
  }
  const idf = (term: string): number => {
    const n = documentFrequency.get(term) ?? 0;
    return Math.log(1 + (count - n + 0.5) / (n + 0.5));
  };
  return {
    score(queryTerms) {
      const unique = [...new Set(queryTerms)];
      return frequencies.map((tf, index) => {
        const length = lengths[index] ?? 0;
        const norm = averageLength === 0 ? 1 : 1 - BM25_B + (BM25_B * length) / averageLength;
        let score = 0;
        for (const term of unique) {
          const f = tf.get(term) ?? 0;
          if (f > 0) score += (idf(term) * f * (BM25_K1 + 1)) / (f + BM25_K1 * norm);
        }
        return score;
      });
    },
  };
}
