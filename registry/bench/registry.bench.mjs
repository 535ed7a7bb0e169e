// Installing one signed plugin from a local registry (cold and from the archive cache) and resolving a seeded
// 200-plugin dependency graph. Prints a table of medians; asserts nothing.
import { createHash } from 'node:crypto';
import { cp, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInstaller, localArchiveSource } from '../../host/dist/index.js';
import {
  createLocalRegistry,
  generateKeyPair,
  packPlugin,
  parsePackageSpec,
  resolve,
  signPackage,
} from '../dist/index.js';

const RUNS = 10;
const HOST_API_VERSION = '0.1.0';
const PLUGIN_ID = '@bench/weather';

/** A logger that drops everything, so the figures measure the installer, not log output. */
const silentLogger = {
  child: () => silentLogger,
  trace() {},
  debug() {},
  info() {},
  warn() {},
  error() {},
  fatal() {},
};

function median(times) {
  const sorted = [...times].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 0 ? (sorted[mid - 1] + sorted[mid]) / 2 : sorted[mid];
}

async function timed(task) {
  const start = process.hrtime.bigint();
  await task();
  return Number(process.hrtime.bigint() - start) / 1e6;
}

async function publishPlugin(registry, work, publisher) {
  const dir = join(work, 'plugin-src');
  await mkdir(dir, { recursive: true });
  const manifest = {
    manifestVersion: 1,
    id: PLUGIN_ID,
    version: '1.0.0',
    description: 'Benchmark weather plugin',
    license: 'MIT',
    engines: { roku: '^0.1.0' },
    dependencies: {},
    runtime: { type: 'isolate', entry: 'index.js' },
    contributes: {
      tools: [
        { name: 'forecast', description: 'Forecast.', inputSchema: { type: 'object' }, risk: ['read'] },
      ],
    },
    permissions: { network: ['https://api.weather.example'], secrets: ['WEATHER_KEY'] },
  };
  await writeFile(join(dir, 'roku.plugin.json'), JSON.stringify(manifest, null, 2));
  // About 64 KiB of code so unpacking and hashing have something to do.
  await writeFile(
    join(dir, 'index.js'),
    `export default {};\n${'// filler line of plugin code\n'.repeat(2200)}`,
  );
  const packed = await packPlugin(dir);
  await registry.publish({
    manifest,
    archiveBytes: packed.bytes,
    integrity: packed.integrity,
    signatures: [signPackage(packed, publisher.privateKeyPem)],
  });
  return packed.bytes.length;
}

function installerFor(home, registryDir, publisher) {
  return createInstaller({
    home,
    registries: [{ name: 'bench', scopes: [], source: localArchiveSource(createLocalRegistry(registryDir)) }],
    trust: { listTrustedKeys: async () => [publisher.publicKey], addTrustedKey: async () => {} },
    hostApiVersion: HOST_API_VERSION,
    logger: silentLogger,
  });
}

async function install(installer) {
  const plan = await installer.plan([PLUGIN_ID]);
  await installer.apply(plan, { grant: () => true });
}

async function benchInstalls(work) {
  const registryDir = join(work, 'registry');
  const publisher = generateKeyPair();
  const archiveBytes = await publishPlugin(createLocalRegistry(registryDir), work, publisher);

  // A home whose cache holds the archive; each cached run starts from a fresh home with a copy of it.
  const warm = join(work, 'warm-home');
  await install(installerFor(warm, registryDir, publisher));

  const cold = [];
  const cached = [];
  for (let run = 0; run < RUNS; run++) {
    const coldHome = join(work, `cold-${run}`);
    cold.push(await timed(() => install(installerFor(coldHome, registryDir, publisher))));
    const cachedHome = join(work, `cached-${run}`);
    await cp(join(warm, 'cache'), join(cachedHome, 'cache'), { recursive: true });
    cached.push(await timed(() => install(installerFor(cachedHome, registryDir, publisher))));
  }
  return { archiveBytes, cold, cached };
}

// A seeded 200-plugin graph: every range admits 1.1.0, which every plugin has, so it always resolves.
const PACKAGES = 200;
const ROOTS = 10;
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

const graphId = (i) => `@bench/p${String(i).padStart(3, '0')}`;

async function benchResolve(work) {
  const random = mulberry32(20250601);
  const pick = (list) => list[Math.floor(random() * list.length)];
  const root = join(work, 'graph');
  const registry = createLocalRegistry(root);
  for (let i = 0; i < PACKAGES; i++) {
    const versions = [
      '1.0.0',
      '1.1.0',
      '1.2.0',
      ...(random() < 0.5 ? ['1.3.0'] : []),
      ...(random() < 0.3 ? ['2.0.0'] : []),
    ];
    for (const version of versions) {
      const dependencies = {};
      const count = Math.floor(random() * 5);
      for (let d = 0; d < count && i + 1 < PACKAGES; d++) {
        const target = i + 1 + Math.floor(random() * Math.min(40, PACKAGES - i - 1));
        dependencies[graphId(target)] = pick(RANGES);
      }
      const archiveBytes = new TextEncoder().encode(`${graphId(i)}@${version}`);
      const integrity = `sha512-${createHash('sha512').update(archiveBytes).digest('base64')}`;
      const manifest = {
        manifestVersion: 1,
        id: graphId(i),
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
      await registry.publish({ manifest, archiveBytes, integrity, signatures: [] });
    }
  }
  const requests = Array.from({ length: ROOTS }, (_, i) => parsePackageSpec(`${graphId(i)}@^1.0.0`));
  const times = [];
  let resolved = 0;
  for (let run = 0; run < RUNS; run++) {
    const source = createLocalRegistry(root);
    times.push(
      await timed(async () => {
        const plan = await resolve(requests, {
          registries: [{ name: 'bench', scopes: [], source }],
          hostApiVersion: HOST_API_VERSION,
        });
        resolved = plan.packages.length;
      }),
    );
  }
  return { times, resolved };
}

const work = await mkdtemp(join(tmpdir(), 'roku-registry-bench-'));
try {
  const installs = await benchInstalls(work);
  const graph = await benchResolve(work);
  const rows = [
    ['case', 'median ms', 'min ms', 'max ms', 'notes'],
    ...[
      ['install, cold', installs.cold, `fresh ROKU_HOME, empty cache, ${installs.archiveBytes} B archive`],
      ['install, from cache', installs.cached, 'fresh ROKU_HOME state, archive already cached'],
      ['resolve 200-plugin graph', graph.times, `${ROOTS} requests, ${graph.resolved} plugins resolved`],
    ].map(([name, times, notes]) => [
      name,
      median(times).toFixed(2),
      Math.min(...times).toFixed(2),
      Math.max(...times).toFixed(2),
      notes,
    ]),
  ];
  const widths = rows[0].map((_, c) => Math.max(...rows.map((row) => row[c].length)));
  console.log(`runs per case: ${RUNS}`);
  for (const row of rows)
    console.log(
      row
        .map((cell, c) => cell.padEnd(widths[c]))
        .join('  ')
        .trimEnd(),
    );
} finally {
  await rm(work, { recursive: true, force: true });
}
