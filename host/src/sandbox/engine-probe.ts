/** Loads each sandbox engine and runs a trivial program in it, to prove the engine works on this machine. */
import { createRequire } from 'node:module';
import { dirname, relative } from 'node:path';

export interface EngineProbe {
  readonly version: string;
  readonly millis: number;
}

/** Creates an 8 MiB isolate, evaluates an expression, disposes it. */
export async function probeIsolateEngine(): Promise<EngineProbe> {
  const started = performance.now();
  const { default: ivm } = await import('isolated-vm');
  const isolate = new ivm.Isolate({ memoryLimit: 8 });
  try {
    const context = await isolate.createContext();
    const result: unknown = await context.eval('6 * 7', { timeout: 1000 });
    if (result !== 42) throw new Error(`isolate returned ${String(result)} for 6 * 7`);
    return { version: `V8 ${process.versions.v8}`, millis: performance.now() - started };
  } finally {
    isolate.dispose();
  }
}

/** Which clock an isolate's `cpuTime` reads, and which binary of isolated-vm this process loaded. */
export interface IsolateClockProbe {
  /** 'thread': CPU limits count the isolate thread's CPU time; 'wall': they count elapsed time. */
  readonly clock: 'thread' | 'wall';
  /** The addon node-gyp-build resolved, relative to the isolated-vm package (build/Release: a source build). */
  readonly binary: string;
  /** What the probe measured, for the report. */
  readonly detail: string;
}

/** How long the probe's isolate sleeps: a wall clock charges all of it, a thread CPU clock next to none. */
const CLOCK_PROBE_SLEEP_MS = 30;

/**
 * Tells whether isolated-vm charges isolates their thread's CPU time (built from source on linux, with
 * CLOCK_THREAD_CPUTIME_ID) or elapsed time (its linux prebuild): an isolate entered synchronously on this
 * thread sleeps in Atomics.wait, which uses no CPU. The isolate's cpuTime is then compared with this thread's
 * own CPU time over the same span, so the answer does not depend on how loaded the machine is.
 */
export async function probeIsolateCpuClock(): Promise<IsolateClockProbe> {
  const require = createRequire(import.meta.url);
  const { default: ivm } = await import('isolated-vm');
  const entry = require.resolve('isolated-vm');
  const gypBuild = createRequire(entry)('node-gyp-build') as { resolve: (dir: string) => string };
  const binary = relative(dirname(entry), gypBuild.resolve(dirname(entry)));
  const isolate = new ivm.Isolate({ memoryLimit: 8 });
  try {
    const context = isolate.createContextSync();
    const script = isolate.compileScriptSync(
      `Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ${String(CLOCK_PROBE_SLEEP_MS)})`,
    );
    const isolateBefore = isolate.cpuTime;
    const threadBefore = process.threadCpuUsage();
    const outcome: unknown = script.runSync(context, { timeout: 1000 });
    const thread = process.threadCpuUsage(threadBefore);
    const isolateMs = Number(isolate.cpuTime - isolateBefore) / 1e6;
    if (outcome !== 'timed-out')
      throw new Error(`the clock probe's Atomics.wait returned ${String(outcome)}`);
    const threadMs = (thread.user + thread.system) / 1000;
    // the isolate ran on this thread: with a thread clock its time is part of the thread's, give or take the
    // clocks' granularity; a wall clock adds the whole sleep on top
    const clock = isolateMs - threadMs > CLOCK_PROBE_SLEEP_MS / 2 ? 'wall' : 'thread';
    const detail =
      `a ${String(CLOCK_PROBE_SLEEP_MS)} ms sleep was charged ${isolateMs.toFixed(1)} ms ` +
      `(thread CPU ${threadMs.toFixed(1)} ms)`;
    return { clock, binary, detail };
  } finally {
    isolate.dispose();
  }
}

// (module (import "extism:host/user" "roku_cap" (func (param i64) (result i64)))
//   (func (export "ok") (result i32) (i64.ne (call 0 (i64.const 0)) (i64.const 42))))
// A valid module that needs no toolchain to build; "ok" returns 0 when the host function answered 42.
const PROBE_WASM = new Uint8Array([
  0x00,
  0x61,
  0x73,
  0x6d,
  0x01,
  0x00,
  0x00,
  0x00,
  0x01,
  0x0a,
  0x02,
  0x60,
  0x01,
  0x7e,
  0x01,
  0x7e,
  0x60,
  0x00,
  0x01,
  0x7f,
  0x02,
  0x1d,
  0x01,
  0x10,
  ...new TextEncoder().encode('extism:host/user'),
  0x08,
  ...new TextEncoder().encode('roku_cap'),
  0x00,
  0x00,
  0x03,
  0x02,
  0x01,
  0x01,
  0x07,
  0x06,
  0x01,
  0x02,
  0x6f,
  0x6b,
  0x00,
  0x01,
  0x0a,
  0x0b,
  0x01,
  0x09,
  0x00,
  0x42,
  0x00,
  0x10,
  0x00,
  0x42,
  0x2a,
  0x52,
  0x0b,
]);

/**
 * Instantiates a tiny module through Extism v2 and calls its export, which calls an async host function: this
 * proves JSPI (WebAssembly.Suspending) works, which wasm plugins need for capability requests.
 */
export async function probeWasmEngine(): Promise<EngineProbe> {
  const started = performance.now();
  const { default: createPlugin } = await import('@extism/extism');
  const host = { calls: 0 };
  const plugin = await createPlugin(
    { wasm: [{ data: PROBE_WASM }] },
    {
      useWasi: false,
      functions: {
        'extism:host/user': {
          roku_cap: async (): Promise<bigint> => {
            await Promise.resolve();
            host.calls += 1;
            return 42n;
          },
        },
      },
    },
  );
  try {
    if (!(await plugin.functionExists('ok'))) throw new Error('extism did not find the probe export');
    await plugin.call('ok');
    if (host.calls !== 1) throw new Error('the probe module did not reach its async host function');
    return { version: 'Extism 2 (JSPI)', millis: performance.now() - started };
  } finally {
    await plugin.close();
  }
}
