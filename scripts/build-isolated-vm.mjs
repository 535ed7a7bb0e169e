#!/usr/bin/env node
// Builds isolated-vm from source, because its linux prebuild times isolates with the wall clock: a loaded machine
// then charges plugins for time their thread was descheduled (false timeouts, spent CPU windows). Built here with
// USE_CLOCK_THREAD_CPUTIME_ID; node-gyp-build loads build/Release before the prebuilds.
// Offline: node-gyp (installed in .toolchain/) compiles against the running Node's own headers. Opt-in for now
// (pnpm build:isolated-vm): with it, host/test/security/limits.test.ts fails (runner timeouts race; see issue 13).
// Idempotent: a build that loads (so it matches this Node's ABI) and passes the clock probe is kept; a new
// isolated-vm version installs into a new folder, without a build.
// Run after `pnpm -s build` (the probe comes from host/dist); fails loudly rather than keep the prebuild.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, realpathSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const repo = dirname(dirname(fileURLToPath(import.meta.url)));

function fail(message) {
  process.stderr.write(`roku: cannot build isolated-vm from source: ${message}\n`);
  process.exit(1);
}

const pkgDir = dirname(createRequire(join(repo, 'host', 'package.json')).resolve('isolated-vm/package.json'));
const version = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8')).version;
const buildDir = join(pkgDir, 'build');
const binary = join(buildDir, 'Release', 'isolated_vm.node');

/** The clock probe, in a child process: this one may have loaded an older build, which a rebuild cannot replace. */
function probeClock() {
  const probeModule = join(repo, 'host', 'dist', 'sandbox', 'engine-probe.js');
  if (!existsSync(probeModule)) fail(`${probeModule} is missing: build the workspace first (pnpm -s build)`);
  const code = `const m = await import(${JSON.stringify(pathToFileURL(probeModule).href)});
    process.stdout.write(JSON.stringify(await m.probeIsolateCpuClock()));`;
  const run = spawnSync(process.execPath, ['--input-type=module', '-e', code], { encoding: 'utf8' });
  if (run.status !== 0)
    return {
      clock: 'none',
      binary: 'unknown',
      detail: (run.stderr || String(run.error)).trim().split('\n')[0],
    };
  return JSON.parse(run.stdout);
}

/** True when the probe ran on our source build and found the thread CPU clock. */
const threadClockBuild = (probe) =>
  probe.clock === 'thread' && probe.binary === 'build/Release/isolated_vm.node';

if (existsSync(binary)) {
  const probe = probeClock();
  if (threadClockBuild(probe)) {
    process.stderr.write(`roku: isolated-vm ${version} source build is up to date (thread CPU clock)\n`);
    process.exit(0);
  }
  process.stderr.write(`roku: rebuilding isolated-vm: its source build failed the probe (${probe.detail})\n`);
}

if (process.platform !== 'linux') {
  // only linux needs it: elsewhere binding.gyp has no thread clock to select, and the prebuilds are fine
  process.stderr.write(`roku: isolated-vm keeps its prebuild on ${process.platform}\n`);
  process.exit(0);
}
const nodeGyp = join(repo, '.toolchain', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js');
if (!existsSync(nodeGyp))
  fail(`${nodeGyp} is missing: npm install --no-save --prefix .toolchain node-gyp@12.4.0`);
// The headers of the Node that runs this (toolchain or system install: <prefix>/include/node), so node-gyp
// downloads nothing and the addon matches the ABI it will load into.
const nodeDir = dirname(dirname(realpathSync(process.execPath)));
if (!existsSync(join(nodeDir, 'include', 'node', 'common.gypi'))) {
  fail(
    `the Node headers are not in ${nodeDir}/include/node (use the Node that scripts/toolchain.sh installs)`,
  );
}
for (const tool of ['make', 'g++', 'python3']) {
  if (spawnSync(tool, ['--version'], { stdio: 'ignore' }).error !== undefined) {
    fail(`${tool} is not on PATH (Debian/Ubuntu: apt-get install -y build-essential python3)`);
  }
}

process.stderr.write(`roku: building isolated-vm ${version} from source (thread CPU clock; a few minutes)\n`);
const started = performance.now();
rmSync(buildDir, { recursive: true, force: true });
const jobs = String(Math.max(1, availableParallelism()));
const gyp = spawnSync(
  process.execPath,
  [nodeGyp, 'rebuild', '--release', '-j', jobs, `--nodedir=${nodeDir}`, '--loglevel=warn'],
  {
    cwd: pkgDir,
    stdio: ['ignore', 'inherit', 'inherit'],
    // binding.gyp's target has two 'conditions' keys and the second drops the one that defines the thread clock
    // (so the prebuilds lack it too): define it for every object, which also keeps both targets' headers alike
    env: { ...process.env, npm_config_offline: 'true', CPPFLAGS: '-DUSE_CLOCK_THREAD_CPUTIME_ID=1' },
  },
);
if (gyp.error !== undefined) fail(gyp.error.message);
if (gyp.status !== 0) {
  rmSync(buildDir, { recursive: true, force: true });
  fail(`node-gyp exited with ${String(gyp.status ?? gyp.signal)} (its output is above)`);
}
// Only the addon is needed; the objects would keep ~100 MB per checkout.
rmSync(join(buildDir, 'Release', 'obj.target'), { recursive: true, force: true });
const probe = probeClock();
if (!threadClockBuild(probe)) {
  rmSync(buildDir, { recursive: true, force: true });
  fail(`the build does not count thread CPU time (probe of ${probe.binary}: ${probe.detail})`);
}
const seconds = ((performance.now() - started) / 1000).toFixed(0);
process.stderr.write(`roku: isolated-vm ${version} built from source in ${seconds} s (thread CPU clock)\n`);
