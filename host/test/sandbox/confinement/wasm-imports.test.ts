/**
 * A wasm plugin importing Extism's own kernel functions (its HTTP request, host config, variables kept across
 * calls, its unmetered log) or WASI, instead of going through Roku's capability function: refused at load with
 * ROKU_SANDBOX_IMPORT_REFUSED naming each import, in the real runner and before any guest code runs.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '@roku/test-support';
import { encodeLeb } from '../../../src/sandbox/runner/wasm-limits.js';
import { createHarness, rejection } from '../../security/helpers.js';
import type { Harness } from '../../security/helpers.js';

const utf8 = (s: string): number[] => [...new TextEncoder().encode(s)];
const name = (s: string): number[] => [...encodeLeb(utf8(s).length), ...utf8(s)];
const section = (id: number, body: number[]): number[] => [id, ...encodeLeb(body.length), ...body];
const vec = (items: number[][]): number[] => [...encodeLeb(items.length), ...items.flat()];

/**
 * A hand-assembled module: imports `imports` (each a function `(i64, i64) -> i64`), exports `describe` and
 * `call` (`() -> i32`, returning 0), and has a memory, like an Extism guest.
 */
function moduleImporting(imports: readonly (readonly [string, string])[]): Uint8Array {
  const I64 = 0x7e;
  const I32 = 0x7f;
  const types = vec([
    [0x60, 2, I64, I64, 1, I64],
    [0x60, 0, 1, I32],
  ]);
  const importSec = vec(imports.map(([module, field]) => [...name(module), ...name(field), 0x00, 0x00]));
  const funcs = vec([[0x01], [0x01]]);
  const memory = vec([[0x01, 0x01, 0x02]]); // one page, at most two
  const n = imports.length;
  const exportSec = vec([
    [...name('describe'), 0x00, ...encodeLeb(n)],
    [...name('call'), 0x00, ...encodeLeb(n + 1)],
    [...name('memory'), 0x02, 0x00],
  ]);
  const body = [0x00, 0x41, 0x00, 0x0b]; // no locals; i32.const 0; end
  const code = vec([
    [...encodeLeb(body.length), ...body],
    [...encodeLeb(body.length), ...body],
  ]);
  return Uint8Array.from([
    0x00,
    0x61,
    0x73,
    0x6d,
    0x01,
    0x00,
    0x00,
    0x00,
    ...section(1, types),
    ...section(2, importSec),
    ...section(3, funcs),
    ...section(5, memory),
    ...section(7, exportSec),
    ...section(10, code),
  ]);
}

let h: Harness;
let plugins: string;

beforeAll(async () => {
  h = await createHarness();
  plugins = tempDir('wasm-imports');
});
afterAll(async () => {
  await h.close();
});

/** Writes a wasm plugin folder around `bytes` and loads it through the real host and runner. */
function loadWasm(id: string, bytes: Uint8Array): Promise<unknown> {
  const dir = join(plugins, id);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'plugin.wasm'), bytes);
  writeFileSync(
    join(dir, 'roku.plugin.json'),
    JSON.stringify({
      manifestVersion: 1,
      id: `@evil/${id}`,
      version: '0.0.1',
      description: 'A wasm plugin importing what it must not.',
      license: 'MIT',
      engines: { roku: '^0.1.0' },
      runtime: { type: 'wasm', entry: 'plugin.wasm' },
      contributes: {
        tools: [{ name: 't', description: 'The tool.', inputSchema: { type: 'object' }, risk: ['read'] }],
      },
      permissions: { network: ['https://example.com'] },
    }),
  );
  return h.host.loadFolder(dir);
}

/** The typed refusal the runner reported, as the host keeps it under details.cause. */
async function refusal(
  promise: Promise<unknown>,
): Promise<{ code: string; message: string; imports: unknown; shown: string }> {
  const error = await rejection(promise);
  const cause = (error.details.cause ?? error) as {
    code: string;
    message: string;
    details?: { imports?: unknown };
  };
  return { code: cause.code, message: cause.message, imports: cause.details?.imports, shown: error.code };
}

describe('a wasm plugin importing functions Roku does not provide', () => {
  it("is refused at load when it imports Extism's own HTTP request, naming the import", async () => {
    const bytes = moduleImporting([
      ['extism:host/env', 'alloc'],
      ['extism:host/env', 'http_request'],
    ]);
    const error = await refusal(loadWasm('http-request', bytes));
    expect(error.code).toBe('ROKU_SANDBOX_IMPORT_REFUSED');
    expect(error.message).toContain('extism:host/env::http_request');
    expect(error.message).not.toContain('::alloc');
    expect(error.imports).toEqual(['extism:host/env::http_request']);
    // The caller sees the refusal's own code, not a generic load failure.
    expect(error.shown).toBe('ROKU_SANDBOX_IMPORT_REFUSED');
    await h.expectCanaryAlive();
  });

  it.each([
    [
      'HTTP status and headers',
      [
        ['extism:host/env', 'http_status_code'],
        ['extism:host/env', 'http_headers'],
      ],
    ],
    [
      'variables kept across calls',
      [
        ['extism:host/env', 'var_get'],
        ['extism:host/env', 'var_set'],
      ],
    ],
    ['host config', [['extism:host/env', 'config_get']]],
    [
      'the unmetered Extism log',
      [
        ['extism:host/env', 'log_info'],
        ['extism:host/env', 'get_log_level'],
      ],
    ],
    ['WASI', [['wasi_snapshot_preview1', 'fd_write']]],
    ['a made-up host function', [['extism:host/user', 'roku_exec']]],
  ] as const)('is refused at load when it imports %s', async (_what, imports) => {
    const error = await refusal(loadWasm(`imports-${imports[0][1]}`, moduleImporting(imports)));
    expect(error.code).toBe('ROKU_SANDBOX_IMPORT_REFUSED');
    expect(error.imports).toEqual(imports.map(([m, n]) => `${m}::${n}`));
  });

  it("loads a module whose imports are only Roku's capability functions and Extism memory functions", async () => {
    const bytes = moduleImporting([
      ['extism:host/user', 'roku_cap'],
      ['extism:host/env', 'alloc'],
      ['extism:host/env', 'output_set'],
    ]);
    // past the import check: the stub's describe produces no description, so the load fails later, otherwise
    const error = await refusal(loadWasm('only-allowed', bytes));
    expect(error.code).not.toBe('ROKU_SANDBOX_IMPORT_REFUSED');
  });
});
