import { describe, expect, it } from 'vitest';
import {
  capMemoryMaximum,
  memoryProblems,
  readMemoryLimits,
} from '../../../src/sandbox/runner/wasm-limits.js';
import { memoryOnlyModule } from './build-wasm.js';

const validate = (bytes: Uint8Array): boolean =>
  (globalThis as unknown as { WebAssembly: { validate(b: Uint8Array): boolean } }).WebAssembly.validate(
    bytes,
  );

describe('wasm memory limits', () => {
  it('reads the initial size and maximum of a defined memory', () => {
    expect(readMemoryLimits(memoryOnlyModule(2, 300))).toEqual([
      { imported: false, initialPages: 2, maximumPages: 300, shared: false, memory64: false },
    ]);
  });

  it('refuses a module without a memory maximum', () => {
    expect(memoryProblems(readMemoryLimits(memoryOnlyModule(1, null)), 256)).toEqual([
      expect.stringContaining('no memory maximum'),
    ]);
  });

  it('refuses a module whose initial memory is over the cap', () => {
    expect(memoryProblems(readMemoryLimits(memoryOnlyModule(4096, 4096)), 256)).toEqual([
      expect.stringContaining('initial memory is 4096 pages'),
    ]);
  });

  it('lowers a maximum over the cap and keeps the module valid', () => {
    const capped = capMemoryMaximum(memoryOnlyModule(1, 65_536), 256);
    expect(validate(capped)).toBe(true);
    expect(readMemoryLimits(capped)[0]?.maximumPages).toBe(256);
  });

  it('leaves a module within the cap untouched', () => {
    const bytes = memoryOnlyModule(1, 100);
    expect(capMemoryMaximum(bytes, 256)).toBe(bytes);
  });

  it('rejects bytes that are not a wasm module', () => {
    expect(() => readMemoryLimits(new TextEncoder().encode('not wasm at all'))).toThrow(/bad magic/);
  });
});
