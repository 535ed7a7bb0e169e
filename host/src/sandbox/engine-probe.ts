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

// (module (func (export "ok") (result i32) i32.const 0)): a valid module that needs no toolchain to build.
const PROBE_WASM = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7f, 0x03, 0x02, 0x01,
  0x00, 0x07, 0x06, 0x01, 0x02, 0x6f, 0x6b, 0x00, 0x00, 0x0a, 0x06, 0x01, 0x04, 0x00, 0x41, 0x00, 0x0b,
]);

/** Instantiates a tiny module through Extism and calls its export. */
export async function probeWasmEngine(): Promise<EngineProbe> {
  const started = performance.now();
  const { default: createPlugin } = await import('@extism/extism');
  const plugin = await createPlugin({ wasm: [{ data: PROBE_WASM }] }, { useWasi: false });
  try {
    if (!(await plugin.functionExists('ok'))) throw new Error('extism did not find the probe export');
    await plugin.call('ok');
    return { version: 'Extism', millis: performance.now() - started };
  } finally {
    await plugin.close();
  }
}
