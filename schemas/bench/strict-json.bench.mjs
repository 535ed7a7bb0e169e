// Strict JSON parsing (parseStrictJson: duplicate keys, number range, depth) against JSON.parse on the same
// documents, measured interleaved in one run. Goal: within 10x of JSON.parse for plugin outputs, manifests
// and index documents. Prints medians; asserts nothing. Build first: pnpm -s --filter @roku/schemas build.
import { parseStrictJson } from '../dist/index.js';

const RUNS = 15;

function documents() {
  const items = Array.from({ length: 5000 }, (_, i) => ({
    id: i,
    name: `item ${i}`,
    tags: ['a', 'b'],
    score: i / 7,
    nested: { ok: true, text: 'hello "world"\n' },
  }));
  return [
    ['manifest-like (4 KB)', JSON.stringify({ items: items.slice(0, 30) })],
    ['plugin output (600 KB)', JSON.stringify({ items })],
    [
      'plugin output (6 MB)',
      JSON.stringify({
        items: [
          ...items,
          ...items,
          ...items,
          ...items,
          ...items,
          ...items,
          ...items,
          ...items,
          ...items,
          ...items,
        ],
      }),
    ],
  ];
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

const rows = [];
for (const [name, text] of documents()) {
  const plain = [];
  const strict = [];
  for (let run = 0; run < RUNS; run++) {
    let start = performance.now();
    JSON.parse(text);
    plain.push(performance.now() - start);
    start = performance.now();
    parseStrictJson(text);
    strict.push(performance.now() - start);
  }
  const p = median(plain);
  const s = median(strict);
  rows.push({
    document: name,
    'JSON.parse ms (baseline)': p.toFixed(2),
    'parseStrictJson ms': s.toFixed(2),
    ratio: (s / p).toFixed(1),
    goal: '<= 10x',
  });
}
console.table(rows);
