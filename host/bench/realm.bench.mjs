#!/usr/bin/env node
// pnpm bench realm: what a fresh realm per call costs. Each isolate call runs in a new V8 context (prelude +
// plugin bundle evaluated again) so no state crosses calls. Prints, interleaved in one run:
//  1. bare isolated-vm: one call into a reused context (the old way, baseline) vs. preparing a fresh context,
//     for a small bundle (tool-echo) and a ~1 MB one (provider-openai);
//  2. end to end through the real runner: calls back to back (the spare realm is not ready yet) and calls
//     spaced out (the spare realm was prepared after the previous call, off the caller's path).
//  3. wasm: a fresh Extism instance of the compiled module per call vs. a call into a reused instance.
//  Part 1 also prepares realms the way the runner does now: in an isolate started from a V8 snapshot of the
//  evaluated prelude (the build's dist/sandbox/prelude.snapshot), where a new context already holds the prelude and only the bundle
//  runs; the rows before it (prelude run in every context) are the old way, measured interleaved.
// Goal: a fresh realm costs a few milliseconds of CPU and, spaced out, adds nothing visible to a call.
import { createRequire } from 'node:module';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createPluginHost, createRootLogger } from '../dist/index.js';

const require = createRequire(import.meta.url);
const ivm = require('isolated-vm');
const repo = fileURLToPath(new URL('../../', import.meta.url));
const prelude = readFileSync(fileURLToPath(new URL('../dist/sandbox/prelude.js', import.meta.url)), 'utf8');
const ROUNDS = Number(process.env.ROKU_BENCH_CALLS ?? 200);

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
// the build's snapshot of the evaluated prelude, the one the runner starts its isolates from
const snapshotBytes = readFileSync(
  fileURLToPath(new URL('../dist/sandbox/prelude.snapshot', import.meta.url)),
);
const snapshot = new ivm.ExternalCopy(new Uint8Array(snapshotBytes).buffer);

async function bare(label, bundlePath) {
  const isolate = new ivm.Isolate({ memoryLimit: 128 });
  const preludeScript = await isolate.compileScript(prelude);
  const bundle = await isolate.compileScript(readFileSync(bundlePath, 'utf8'));
  const reused = await isolate.createContext();
  await preludeScript.run(reused);
  await bundle.run(reused);
  const probe = await isolate.compileScript('typeof globalThis.__roku_abi');
  const snapIsolate = new ivm.Isolate({ memoryLimit: 128, snapshot });
  const snapBundle = await snapIsolate.compileScript(readFileSync(bundlePath, 'utf8'));
  const reuseMs = [];
  const freshMs = [];
  const freshCpuMs = [];
  const snapMs = [];
  const snapCpuMs = [];
  for (let i = 0; i < ROUNDS; i++) {
    // interleaved: the baseline and the fresh realm see the same machine state
    let t = performance.now();
    await probe.run(reused);
    reuseMs.push(performance.now() - t);
    t = performance.now();
    const cpu = isolate.cpuTime;
    const context = await isolate.createContext();
    await preludeScript.run(context);
    await bundle.run(context);
    freshCpuMs.push(Number(isolate.cpuTime - cpu) / 1e6);
    freshMs.push(performance.now() - t);
    context.release();
    t = performance.now();
    const snapCpu = snapIsolate.cpuTime;
    const snapContext = await snapIsolate.createContext();
    await snapBundle.run(snapContext);
    snapCpuMs.push(Number(snapIsolate.cpuTime - snapCpu) / 1e6);
    snapMs.push(performance.now() - t);
    snapContext.release();
  }
  isolate.dispose();
  snapIsolate.dispose();
  return {
    bundle: label,
    'reused context, ms (baseline)': median(reuseMs).toFixed(3),
    'fresh realm, wall ms': median(freshMs).toFixed(2),
    'fresh realm, CPU ms (old: prelude run per context)': median(freshCpuMs).toFixed(2),
    'fresh realm from snapshot, wall ms': median(snapMs).toFixed(2),
    'fresh realm from snapshot, CPU ms': median(snapCpuMs).toFixed(2),
  };
}

console.log(
  `\nPreparing a realm (context + prelude + bundle; from the prelude snapshot: context + bundle) vs. a call into a reused context, median of ${ROUNDS}, interleaved`,
);
console.table([
  await bare('tool-echo', join(repo, 'examples/tool-echo/dist/plugin.js')),
  await bare('provider-openai (~1 MB)', join(repo, 'examples/provider-openai/dist/plugin.js')),
]);

// Wasm: a fresh Extism instance of the compiled module per call vs. a call into a reused instance.
const { default: createPlugin } = await import('@extism/extism');
const wasmModule = await WebAssembly.compile(
  readFileSync(join(repo, 'examples/wasm-hello/dist/plugin.wasm')),
);
const wasmOptions = {
  useWasi: false,
  functions: {
    'extism:host/env': {},
    'extism:host/user': { roku_cap: async () => 0n, roku_abort: () => undefined },
  },
};
const reusedInstance = await createPlugin({ wasm: [{ module: wasmModule }] }, wasmOptions);
const greet = JSON.stringify({ op: 'tool:greet', input: { name: 'x' }, config: null, callId: 'b' });
const wasmReuse = [];
const wasmFresh = [];
for (let i = 0; i < ROUNDS; i++) {
  let t = performance.now();
  await reusedInstance.call('call', greet);
  wasmReuse.push(performance.now() - t);
  t = performance.now();
  const fresh = await createPlugin({ wasm: [{ module: wasmModule }] }, wasmOptions);
  await fresh.call('call', greet);
  await fresh.close();
  wasmFresh.push(performance.now() - t);
}
await reusedInstance.close();
console.log(`\nWasm (wasm-hello greet), median of ${ROUNDS}, interleaved`);
console.table([
  { instance: 'reused (baseline)', 'call ms': median(wasmReuse).toFixed(3) },
  { instance: 'fresh per call (instantiate + call + close)', 'call ms': median(wasmFresh).toFixed(3) },
]);

const home = mkdtempSync(join(tmpdir(), 'roku-bench-realm-'));
const host = createPluginHost({
  logger: createRootLogger({ level: 'silent' }),
  home,
  workspace: home,
  env: {},
});
const echo = await host.loadFolder(join(repo, 'examples/tool-echo'));
for (let i = 0; i < 50; i++) await echo.call('tool:echo', { text: 'warm' });
const backToBack = [];
const spaced = [];
for (let i = 0; i < ROUNDS; i++) {
  let t = performance.now();
  await echo.call('tool:echo', { text: 'hi' });
  backToBack.push(performance.now() - t);
  await new Promise((r) => setTimeout(r, 15));
  t = performance.now();
  await echo.call('tool:echo', { text: 'hi' });
  spaced.push(performance.now() - t);
  await new Promise((r) => setTimeout(r, 15));
}
console.log(`\nRound trip host -> runner -> isolate (tool-echo), median of ${ROUNDS}, interleaved`);
console.table([
  { calls: 'spaced 15 ms (spare realm ready)', 'median ms': median(spaced).toFixed(3) },
  { calls: 'back to back (waits for the spare)', 'median ms': median(backToBack).toFixed(3) },
]);
await host.close();
rmSync(home, { recursive: true, force: true });
