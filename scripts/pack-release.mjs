// Release build: npm-ready tarballs of the CLI and the SDK that install on a machine with no checkout of this
// repository and no access to the workspace.
//
//   pnpm release:pack [--out <dir>]      (default: <repo>/release/, after `pnpm build`)
//
// Writes three self-contained tarballs:
//   roku-cli-<v>.tgz             `npm install -g ./roku-cli-<v>.tgz` gives `roku`; it bundles the runtime
//                                packages (@roku/host, registry, schemas, server, plugin-api), the embedded
//                                registry (first-party plugins, signed) and the bundled slot defaults.
//   roku-plugin-api-<v>.tgz      the SDK a plugin imports and builds with (bundles @roku/schemas).
//   roku-plugin-testing-<v>.tgz  the test kit (bundles @roku/host, registry, schemas: the real sandbox).
//
// Every workspace package is first packed with `pnpm pack` (which turns `workspace:*` into versions and keeps
// only each package's `files`); a release tarball then carries the @roku packages it needs under
// `bundleDependencies`, and their third-party dependencies become its own, so npm installs them next to it.
// Publishing to the public registry is `npm publish <tarball>` per file.
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = fileURLToPath(new URL('..', import.meta.url));

/** Workspace folder of every @roku package a release tarball may bundle. */
const PACKAGES = {
  '@roku/schemas': 'schemas',
  '@roku/registry': 'registry',
  '@roku/host': 'host',
  '@roku/server': 'server',
  '@roku/plugin-api': 'plugin-api',
  '@roku/plugin-testing': 'plugin-testing',
  '@roku/cli': 'cli',
};

/** What is released, by package name. */
const RELEASES = ['@roku/cli', '@roku/plugin-api', '@roku/plugin-testing'];

/** First-party slot defaults the host falls back to (host/src/agent/snapshot/sources.ts BUNDLED_DEFAULTS). */
const SLOT_DEFAULTS = ['memory-session', 'context-default'];

function parseArgs(argv) {
  const i = argv.indexOf('--out');
  return { out: resolve(i === -1 ? join(repo, 'release') : argv[i + 1]) };
}

function readJson(file) {
  return JSON.parse(readFileSync(file, 'utf8'));
}

function fail(message) {
  process.stderr.write(`pack-release: ${message}\n`);
  process.exit(1);
}

/** `pnpm pack` of one workspace package, extracted to `<work>/pkg/<folder>`; returns that folder. */
function packWorkspacePackage(name, work) {
  const folder = PACKAGES[name];
  const dir = join(repo, folder);
  const entry = readJson(join(dir, 'package.json'));
  if (!existsSync(join(dir, 'dist'))) fail(`${folder}/dist is missing: run pnpm build first`);
  const raw = join(work, 'raw');
  mkdirSync(raw, { recursive: true });
  const out = join(raw, `${folder}.tgz`);
  execFileSync('pnpm', ['pack', '--out', out], { cwd: dir, stdio: ['ignore', 'ignore', 'inherit'] });
  const target = join(work, 'pkg', folder);
  mkdirSync(target, { recursive: true });
  execFileSync('tar', ['-xzf', out, '-C', target, '--strip-components=1']);
  const packed = readJson(join(target, 'package.json'));
  for (const [dep, range] of Object.entries(packed.dependencies ?? {})) {
    if (String(range).startsWith('workspace:')) fail(`${name}: ${dep} is still ${range} after pnpm pack`);
  }
  if (packed.version !== entry.version) fail(`${name}: packed version ${packed.version} != ${entry.version}`);
  return target;
}

/** The @roku packages `name` needs at run time, transitively (itself excluded). */
function rokuClosure(name, manifests) {
  const seen = new Set();
  const visit = (n) => {
    for (const dep of Object.keys(manifests[n].dependencies ?? {})) {
      if (dep in PACKAGES && !seen.has(dep)) {
        seen.add(dep);
        visit(dep);
      }
    }
  };
  visit(name);
  return [...seen].sort();
}

/** Stages a release package: its packed files, bundled @roku packages and a publishable package.json. */
function stageRelease(name, packed, manifests, work) {
  const stage = join(work, 'stage', PACKAGES[name]);
  cpSync(packed[name], stage, { recursive: true });
  const manifest = structuredClone(manifests[name]);
  const bundled = rokuClosure(name, manifests);
  const dependencies = {};
  for (const dep of [name, ...bundled]) {
    for (const [d, range] of Object.entries(manifests[dep].dependencies ?? {})) {
      if (d in PACKAGES) continue;
      if (dependencies[d] !== undefined && dependencies[d] !== range) {
        fail(`${name}: ${d} is wanted as ${dependencies[d]} and ${range}; align the workspace ranges`);
      }
      dependencies[d] = range;
    }
  }
  for (const dep of bundled) {
    dependencies[dep] = manifests[dep].version;
    const target = join(stage, 'node_modules', dep);
    cpSync(packed[dep], target, { recursive: true });
    // A bundled package declares no dependencies of its own: npm would count every dependency of a bundled
    // package as part of the bundle and leave it out of the install. Its third-party dependencies are the
    // release's (above, resolved from the release's node_modules); its @roku ones are bundled siblings.
    const bundledManifest = readJson(join(target, 'package.json'));
    delete bundledManifest.dependencies;
    delete bundledManifest.devDependencies;
    delete bundledManifest.scripts;
    writeFileSync(join(target, 'package.json'), `${JSON.stringify(bundledManifest, null, 2)}\n`);
  }
  manifest.dependencies = Object.fromEntries(
    Object.entries(dependencies).sort(([a], [b]) => a.localeCompare(b)),
  );
  if (bundled.length > 0) manifest.bundleDependencies = bundled;
  // Release tarballs are installed, never built: no workspace scripts or dev tooling travel with them.
  delete manifest.scripts;
  delete manifest.devDependencies;
  manifest.publishConfig = { access: 'public', ...manifest.publishConfig };
  const files = new Set(manifest.files ?? []);
  if (name === '@roku/cli') {
    const registryData = join(repo, 'registry-data');
    if (!existsSync(join(registryData, 'trusted-keys.json'))) {
      fail('registry-data/ is missing: run pnpm build (it seeds the embedded registry)');
    }
    cpSync(registryData, join(stage, 'registry-data'), { recursive: true });
    files.add('registry-data');
  }
  if (bundled.includes('@roku/host') || name === '@roku/host') {
    // The bundled slot defaults live next to the host's dist (host/plugins/<folder>).
    const hostDir = name === '@roku/host' ? stage : join(stage, 'node_modules', '@roku/host');
    for (const folder of SLOT_DEFAULTS) {
      const src = join(repo, 'plugins', folder);
      const dst = join(hostDir, 'plugins', folder);
      for (const part of ['roku.plugin.json', 'README.md', 'dist']) {
        if (existsSync(join(src, part))) cpSync(join(src, part), join(dst, part), { recursive: true });
      }
    }
    const hostManifest = readJson(join(hostDir, 'package.json'));
    hostManifest.files = [...new Set([...(hostManifest.files ?? []), 'plugins'])];
    writeFileSync(join(hostDir, 'package.json'), `${JSON.stringify(hostManifest, null, 2)}\n`);
  }
  manifest.files = [...files];
  writeFileSync(join(stage, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  return stage;
}

function main() {
  const { out } = parseArgs(process.argv.slice(2));
  const work = mkdtempSync(join(tmpdir(), 'roku-release-'));
  try {
    const packed = {};
    const manifests = {};
    for (const name of Object.keys(PACKAGES)) {
      packed[name] = packWorkspacePackage(name, work);
      manifests[name] = readJson(join(packed[name], 'package.json'));
    }
    mkdirSync(out, { recursive: true });
    const written = [];
    for (const name of RELEASES) {
      const stage = stageRelease(name, packed, manifests, work);
      const json = execFileSync('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', out], {
        cwd: stage,
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      const [info] = JSON.parse(json);
      written.push({ name, file: join(out, info.filename), size: info.size, files: info.entryCount });
    }
    for (const w of written) {
      process.stdout.write(`${w.file}  (${w.name}, ${w.files} files, ${(w.size / 1024).toFixed(0)} KiB)\n`);
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

main();
