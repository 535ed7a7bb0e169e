/**
 * Builds AssemblyScript plugins for the wasm tests from source, the way `roku-plugin build` does: the folder's
 * assembly/ and roku.plugin.json are copied to a temp dir next to a node_modules/@roku/plugin-api link, then
 * the built plugin-api bin (plugin-api/dist/build/bin.js) compiles it. Returns the .wasm path.
 */
import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { tempDir } from '@roku/test-support';
import { encodeLeb } from '../../../src/sandbox/runner/wasm-limits.js';

const PLUGIN_API = fileURLToPath(new URL('../../../../plugin-api', import.meta.url));
const BIN = join(PLUGIN_API, 'dist', 'build', 'bin.js');

export const EXAMPLE_DIR = fileURLToPath(new URL('../../../../examples/wasm-hello', import.meta.url));

/** Builds a plugin folder (its assembly/ and roku.plugin.json). */
export async function buildWasmPlugin(dir: string): Promise<string> {
  const work = tempDir('wasm-build');
  cpSync(join(dir, 'assembly'), join(work, 'assembly'), { recursive: true });
  cpSync(join(dir, 'roku.plugin.json'), join(work, 'roku.plugin.json'));
  return compile(work);
}

/** Builds the misbehaving test plugin from {@link LIMITS_PLUGIN_SOURCE}. */
export async function buildLimitsPlugin(): Promise<string> {
  const work = tempDir('wasm-build');
  mkdirSync(join(work, 'assembly'));
  writeFileSync(join(work, 'assembly', 'index.ts'), LIMITS_PLUGIN_SOURCE);
  writeFileSync(join(work, 'roku.plugin.json'), JSON.stringify(LIMITS_PLUGIN_MANIFEST));
  return compile(work);
}

async function compile(work: string): Promise<string> {
  mkdirSync(join(work, 'node_modules', '@roku'), { recursive: true });
  symlinkSync(PLUGIN_API, join(work, 'node_modules', '@roku', 'plugin-api'), 'dir');
  await promisify(execFile)(process.execPath, [BIN, 'build', work]);
  return join(work, 'dist', 'plugin.wasm');
}

const leb = encodeLeb;

/** A module with only a memory section: `{ min, max }` pages (max null: no maximum). */
export function memoryOnlyModule(min: number, max: number | null): Uint8Array {
  const limits = max === null ? [0x00, ...leb(min)] : [0x01, ...leb(min), ...leb(max)];
  const body = [0x01, ...limits];
  return Uint8Array.from([
    0x00,
    0x61,
    0x73,
    0x6d,
    0x01,
    0x00,
    0x00,
    0x00,
    0x05,
    ...leb(body.length),
    ...body,
  ]);
}

/**
 * AssemblyScript source of a plugin whose tools break each sandbox limit on purpose. Kept in a string (not a
 * .ts file under test/) so TypeScript tooling never mistakes AssemblyScript for TypeScript.
 */
export const LIMITS_PLUGIN_SOURCE = `// Test fixture: tools that break each sandbox limit on purpose.
import { Request, Result, capability, jsonString, tool } from '@roku/plugin-api/assembly';

export { call, describe } from '@roku/plugin-api/assembly';

function echo(req: Request): Result {
  return Result.ok(
    '{"text":' +
      jsonString(req.inputString('text', '')) +
      ',"length":' +
      req.inputString('text', '').length.toString() +
      '}',
  );
}

function spin(req: Request): Result {
  let x: i64 = 0;
  while (x >= 0) x++;
  return Result.ok(x.toString());
}

function big(req: Request): Result {
  const n = <i32>req.input().getInteger('bytes', 0);
  return Result.text('a'.repeat(n));
}

function grow(req: Request): Result {
  const mb = <i32>req.input().getInteger('mb', 0);
  const chunks = new Array<Uint8Array>();
  for (let i = 0; i < mb; i++) chunks.push(new Uint8Array(1024 * 1024));
  return Result.ok(chunks.length.toString());
}

function cap(req: Request): Result {
  return Result.ok(capability('kv.get', '{"key":' + jsonString(req.inputString('key', '')) + '}'));
}

function fail(req: Request): Result {
  return Result.error('NOPE', 'refused on purpose');
}

function trap(req: Request): Result {
  abort('deliberate trap');
  return Result.ok('null');
}

tool('echo', echo);
tool('spin', spin);
tool('big', big);
tool('grow', grow);
tool('cap', cap);
tool('fail', fail);
tool('trap', trap);
`;

const LIMITS_PLUGIN_MANIFEST = {
  manifestVersion: 1,
  id: '@roku/test-wasm-limits',
  version: '0.1.0',
  description:
    'Test fixture: a wasm plugin that misbehaves on request (spin, huge output, memory growth, trap).',
  license: 'Apache-2.0',
  engines: {
    roku: '^0.1.0',
  },
  runtime: {
    type: 'wasm',
    entry: 'dist/plugin.wasm',
  },
  contributes: {
    tools: [],
  },
  limits: {
    memoryMb: 16,
  },
};
