/**
 * Reads and enforces the linear-memory limits a wasm module declares, before it is instantiated.
 * Extism's `memory.maxPages` caps only its own host-side blocks, never the guest's linear memory, so the only
 * reliable cap is the maximum in the module's memory section. No dependencies; throws on malformed modules.
 */

/** Bytes in one wasm page. */
export const WASM_PAGE_BYTES = 65_536;

/** One memory a module defines or imports. */
export interface WasmMemory {
  readonly imported: boolean;
  /** For imported memories: `<module>.<field>`. */
  readonly importName?: string;
  /** Initial size in pages. */
  readonly initialPages: number;
  /** Maximum size in pages, or null when the module lets it grow without bound. */
  readonly maximumPages: number | null;
  readonly shared: boolean;
  readonly memory64: boolean;
}

const SECTION_IMPORT = 2;
const SECTION_MEMORY = 5;

/** A cursor over the module bytes with the few decoders the memory and import sections need. */
class Reader {
  pos = 0;
  readonly #bytes: Uint8Array;
  constructor(bytes: Uint8Array) {
    this.#bytes = bytes;
  }
  get length(): number {
    return this.#bytes.length;
  }
  u8(): number {
    const byte = this.#bytes[this.pos];
    if (byte === undefined) throw new Error('wasm: truncated module');
    this.pos += 1;
    return byte;
  }
  /** Unsigned LEB128 as a Number: exact up to 2^53, plenty for page counts and section sizes. */
  leb(): number {
    let result = 0;
    let scale = 1;
    for (let i = 0; i < 10; i++) {
      const byte = this.u8();
      result += (byte & 0x7f) * scale;
      if ((byte & 0x80) === 0) return result;
      scale *= 128;
    }
    throw new Error('wasm: malformed LEB128 number');
  }
  name(): string {
    const size = this.leb();
    if (this.pos + size > this.#bytes.length) throw new Error('wasm: truncated name');
    const text = new TextDecoder().decode(this.#bytes.subarray(this.pos, this.pos + size));
    this.pos += size;
    return text;
  }
  limits(): { flags: number; min: number; max: number | null } {
    const flags = this.u8();
    if (flags > 0x07) throw new Error(`wasm: unknown limits flags 0x${flags.toString(16)}`);
    const min = this.leb();
    const max = (flags & 0x01) === 0 ? null : this.leb();
    return { flags, min, max };
  }
}

function checkHeader(bytes: Uint8Array): void {
  if (bytes.length < 8 || bytes[0] !== 0x00 || bytes[1] !== 0x61 || bytes[2] !== 0x73 || bytes[3] !== 0x6d) {
    throw new Error('wasm: not a WebAssembly module (bad magic number)');
  }
  if (bytes[4] !== 1 || bytes[5] !== 0 || bytes[6] !== 0 || bytes[7] !== 0) {
    throw new Error('wasm: unsupported binary version (a component, not a core module?)');
  }
}

function toMemory(
  limits: { flags: number; min: number; max: number | null },
  importName?: string,
): WasmMemory {
  const base = {
    initialPages: limits.min,
    maximumPages: limits.max,
    shared: (limits.flags & 0x02) !== 0,
    memory64: (limits.flags & 0x04) !== 0,
  };
  return importName === undefined ? { imported: false, ...base } : { imported: true, importName, ...base };
}

/** Lists the memories a module imports and defines, in index order. @throws Error when malformed. */
export function readMemoryLimits(bytes: Uint8Array): WasmMemory[] {
  checkHeader(bytes);
  const r = new Reader(bytes);
  r.pos = 8;
  const memories: WasmMemory[] = [];
  while (r.pos < r.length) {
    const id = r.u8();
    const size = r.leb();
    const end = r.pos + size;
    if (end > r.length) throw new Error(`wasm: section ${id} overruns the module`);
    if (id === SECTION_IMPORT) {
      const count = r.leb();
      for (let i = 0; i < count; i++) {
        const module = r.name();
        const field = r.name();
        const kind = r.u8();
        if (kind === 0) r.leb();
        else if (kind === 1) {
          r.u8();
          r.limits();
        } else if (kind === 2) memories.push(toMemory(r.limits(), `${module}.${field}`));
        else if (kind === 3) {
          r.u8();
          r.u8();
        } else if (kind === 4) {
          r.u8();
          r.leb();
        } else throw new Error(`wasm: unknown import kind ${kind}`);
      }
    } else if (id === SECTION_MEMORY) {
      const count = r.leb();
      for (let i = 0; i < count; i++) memories.push(toMemory(r.limits()));
    }
    r.pos = end;
  }
  return memories;
}

/**
 * Checks a module against a memory cap. Refused: imported, shared or 64-bit memory, more than one memory,
 * an initial size over the cap, and no declared maximum (unbounded growth). A maximum over the cap is not a
 * problem here: {@link capMemoryMaximum} lowers it. Returns one sentence per problem; empty when acceptable.
 */
export function memoryProblems(memories: readonly WasmMemory[], maxPages: number): string[] {
  const problems: string[] = [];
  if (memories.length > 1) problems.push(`the module declares ${memories.length} memories; one is allowed`);
  for (const m of memories) {
    if (m.imported)
      problems.push(`the module imports its memory (${m.importName ?? '?'}); it must define it`);
    if (m.shared) problems.push('the module uses shared memory, which is not allowed');
    if (m.memory64) problems.push('the module uses 64-bit memory, which is not allowed');
    if (m.initialPages > maxPages) {
      problems.push(
        `the module's initial memory is ${m.initialPages} pages (${pagesToMb(m.initialPages)} MiB); ` +
          `the limit is ${maxPages} pages (${pagesToMb(maxPages)} MiB)`,
      );
    }
    if (m.maximumPages === null) {
      problems.push('the module declares no memory maximum (unbounded growth); build it with a maximum');
    }
  }
  return problems;
}

function pagesToMb(pages: number): string {
  return ((pages * WASM_PAGE_BYTES) / 1_048_576).toFixed(1).replace(/\.0$/, '');
}

/** Unsigned LEB128, as the wasm binary format writes sizes and limits. */
export function encodeLeb(value: number): number[] {
  const out: number[] = [];
  let rest = value;
  do {
    let byte = rest % 128;
    rest = Math.floor(rest / 128);
    if (rest !== 0) byte |= 0x80;
    out.push(byte);
  } while (rest !== 0);
  return out;
}

/**
 * Returns the module with every defined memory's maximum lowered to `maxPages` (a maximum is added when
 * missing). Only the memory section is re-encoded; other sections are copied byte for byte, so the module
 * stays valid. Returns the input itself when nothing needs to change.
 * @throws Error when malformed or a memory's initial size is over the cap.
 */
export function capMemoryMaximum(bytes: Uint8Array, maxPages: number): Uint8Array {
  checkHeader(bytes);
  const r = new Reader(bytes);
  r.pos = 8;
  const parts: Uint8Array[] = [bytes.subarray(0, 8)];
  let changed = false;
  while (r.pos < r.length) {
    const start = r.pos;
    const id = r.u8();
    const size = r.leb();
    const end = r.pos + size;
    if (end > r.length) throw new Error(`wasm: section ${id} overruns the module`);
    if (id !== SECTION_MEMORY) {
      parts.push(bytes.subarray(start, end));
      r.pos = end;
      continue;
    }
    const count = r.leb();
    const body = encodeLeb(count);
    for (let i = 0; i < count; i++) {
      const { flags, min, max } = r.limits();
      if (min > maxPages) throw new Error(`wasm: initial memory ${min} pages is over the cap of ${maxPages}`);
      const capped = max === null ? maxPages : Math.min(max, maxPages);
      if (capped !== max) changed = true;
      body.push(flags | 0x01, ...encodeLeb(min), ...encodeLeb(capped));
    }
    parts.push(Uint8Array.from([id, ...encodeLeb(body.length), ...body]));
    r.pos = end;
  }
  if (!changed) return bytes;
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}
