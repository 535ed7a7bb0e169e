import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { buildPlugin } from '@roku/plugin-api/build';

interface Descriptor {
  readonly module?: string;
  readonly name: string;
}
/** The WebAssembly JS API; the repo's lib (ES2024, no DOM) has no types for it. */
const wasm = (
  globalThis as unknown as {
    WebAssembly: {
      Module: {
        new (bytes: Uint8Array): object;
        imports(m: object): Descriptor[];
        exports(m: object): Descriptor[];
      };
    };
  }
).WebAssembly;

const dir = fileURLToPath(new URL('..', import.meta.url));

describe('wasm-hello build', () => {
  it('compiles the AssemblyScript source to a module that exports the plugin ABI and imports only the host', async () => {
    const result = await buildPlugin(dir);
    expect(result.outFile).toBe(fileURLToPath(new URL('../dist/plugin.wasm', import.meta.url)));
    const module = new wasm.Module(readFileSync(result.outFile));
    expect(wasm.Module.exports(module).map((e) => e.name)).toEqual(
      expect.arrayContaining(['describe', 'call']),
    );
    const namespaces = new Set(wasm.Module.imports(module).map((i) => i.module));
    expect([...namespaces].sort()).toEqual(['extism:host/env', 'extism:host/user']);
  });
});
