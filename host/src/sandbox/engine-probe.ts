/** Loads each sandbox engine and runs a trivial program in it, to prove the engine works on this machine. */

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
