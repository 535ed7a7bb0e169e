// Resolution over a seeded 200-plugin dependency graph in a temporary local registry. Prints figures only.
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLocalRegistry, parsePackageSpec, resolve } from '../dist/index.js';

const PACKAGES = 200;
const RUNS = 20;
const ROOTS = 10;
// Every range admits 1.1.0, which every plugin has, so the graph always resolves.
const RANGES = ['^1.0.0', '~1.1.0', '>=1.0.0 <1.3.0', '1.x', '>=1.1.0'];

function mulberry32(seed) {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const random = mulberry32(20250601);
const pick = (list) => list[Math.floor(random() * list.length)];
const id = (i) => `@bench/p${String(i).padStart(3, '0')}`;

function manifest(i, version) {
  const dependencies = {};
  const count = Math.floor(random() * 5);
  for (let d = 0; d < count && i + 1 < PACKAGES; d++) {
    // Only later plugins, so the graph has no cycle.
    const target = i + 1 + Math.floor(random() * Math.min(40, PACKAGES - i - 1));
    dependencies[id(target)] = pick(RANGES);
  }
  return {
    manifestVersion: 1,
    id: id(i),
    version,
    description: `Benchmark plugin ${i}`,
    license: 'MIT',
    engines: { roku: '^0.1.0' },
    dependencies,
    runtime: { type: 'isolate', entry: 'index.js' },
    contributes: {
      tools: [{ name: 't', description: 'T.', inputSchema: { type: 'object' }, risk: ['read'] }],
    },
  };
}

const root = await mkdtemp(join(tmpdir(), 'roku-resolve-bench-'));
try {
  const registry = createLocalRegistry(root);
  let versions = 0;
  const publishes = [];
  for (let i = 0; i < PACKAGES; i++) {
    const list = [
      '1.0.0',
      '1.1.0',
      '1.2.0',
      ...(random() < 0.5 ? ['1.3.0'] : []),
      ...(random() < 0.3 ? ['2.0.0'] : []),
    ];
    for (const version of list) {
      const archiveBytes = new TextEncoder().encode(`${id(i)}@${version}`);
      const integrity = `sha512-${createHash('sha512').update(archiveBytes).digest('base64')}`;
      publishes.push({ manifest: manifest(i, version), archiveBytes, integrity, signatures: [] });
      versions++;
    }
  }
  for (const input of publishes) await registry.publish(input);

  const requests = Array.from({ length: ROOTS }, (_, i) => parsePackageSpec(`${id(i)}@^1.0.0`));
  const times = [];
  let chosen = 0;
  for (let run = 0; run < RUNS; run++) {
    const source = createLocalRegistry(root);
    const start = process.hrtime.bigint();
    const plan = await resolve(requests, {
      registries: [{ name: 'bench', scopes: [], source }],
      hostApiVersion: '0.1.0',
    });
    times.push(Number(process.hrtime.bigint() - start) / 1e6);
    chosen = plan.packages.length;
  }
  times.sort((a, b) => a - b);
  const median = (times[RUNS / 2 - 1] + times[RUNS / 2]) / 2;
  console.log(
    `plugins in registry: ${PACKAGES}, versions: ${versions}, requests: ${ROOTS}, plugins resolved: ${chosen}`,
  );
  console.log(
    `resolve median: ${median.toFixed(2)} ms over ${RUNS} runs (min ${times[0].toFixed(2)} ms, max ${times[RUNS - 1].toFixed(2)} ms)`,
  );
} finally {
  await rm(root, { recursive: true, force: true });
}
