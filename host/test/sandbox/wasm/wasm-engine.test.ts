import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '@roku/test-support';
import type { LoadMessage, RunnerLimits, WireError } from '../../../src/sandbox/protocol.js';
import type { CallOutcome, Engine } from '../../../src/sandbox/runner/engine.js';
import { createWasmEngine } from '../../../src/sandbox/runner/wasm-engine.js';
import { EXAMPLE_DIR, buildLimitsPlugin, buildWasmPlugin, memoryOnlyModule } from './build-wasm.js';

const LIMITS: RunnerLimits = {
  memoryMb: 16,
  cpuMsPerCall: 300,
  wallMsPerCall: 3000,
  outputBytes: 100_000,
  concurrency: 2,
};

interface SeenCap {
  readonly pluginKey: string;
  readonly callId: number | undefined;
  readonly op: string;
  readonly args: Record<string, unknown>;
}

const PAGE = '<html><head><title>\n  Héllo   Wörld ✓ </title></head><body>x</body></html>';
let example = '';
let misbehaving = '';
let engine: Engine;
const seen: SeenCap[] = [];
const disposed: { pluginKey: string; reason: WireError }[] = [];
let nextId = 1;

/** Answers capability requests like a tiny host: fetch.* serve PAGE, kv.get 'never' never answers. */
function answer(op: string, args: Record<string, unknown>): Promise<unknown> {
  switch (op) {
    case 'fetch.start':
      return Promise.resolve({
        streamId: 's1',
        status: 200,
        statusText: 'OK',
        headers: [],
        url: args['url'],
        redirected: false,
      });
    case 'fetch.read': {
      const first = seen.filter((s) => s.op === 'fetch.read').length === 1;
      return Promise.resolve({ done: !first, chunk: first ? Buffer.from(PAGE).toString('base64') : '' });
    }
    case 'kv.get':
      return args['key'] === 'never'
        ? new Promise(() => undefined)
        : Promise.resolve({ value: `v:${String(args['key'])}` });
    default:
      return Promise.resolve(null);
  }
}

function load(
  pluginKey: string,
  entryPath: string,
  limits: RunnerLimits = LIMITS,
): ReturnType<Engine['load']> {
  const msg: LoadMessage = { t: 'load', pluginKey, engine: 'wasm', entryPath, limits, webAssembly: false };
  return engine.load(msg);
}

function call(pluginKey: string, tool: string, input: unknown): Promise<CallOutcome> {
  const request = JSON.stringify({ op: `tool:${tool}`, input, config: {}, callId: `c${nextId}` });
  return Promise.resolve(engine.call(pluginKey, nextId++, request));
}

function value(outcome: CallOutcome): unknown {
  if (!outcome.ok) throw new Error(`call failed: ${outcome.error.code} ${outcome.error.message}`);
  return JSON.parse(outcome.response) as unknown;
}

beforeAll(async () => {
  [example, misbehaving] = await Promise.all([buildWasmPlugin(EXAMPLE_DIR), buildLimitsPlugin()]);
  engine = createWasmEngine({
    requestCapability: async (pluginKey, callId, requestJson) => {
      const { op, args } = JSON.parse(requestJson) as { op: string; args: Record<string, unknown> };
      seen.push({ pluginKey, callId, op, args });
      return JSON.stringify({ ok: true, value: await answer(op, args) });
    },
    sendOneWay: () => false,
    onDisposed: (pluginKey, reason) => disposed.push({ pluginKey, reason }),
  });
  await load('hello', example);
}, 60_000);

afterAll(() => {
  for (const key of ['hello', 'bad']) engine.unload(key);
});

describe('wasm engine with the wasm-hello example', () => {
  it('describes the tools the plugin registers', async () => {
    const outcome = await load('hello-2', example);
    expect(JSON.parse(outcome.description)).toEqual({
      abi: 1,
      tools: ['greet', 'fetch_title'],
      providers: [],
      memorySlot: null,
      contextEngine: null,
      subagentRuntimes: [],
    });
    expect(engine.unload('hello-2')).toBe(true);
  });

  it('round-trips a call with non-ASCII text intact', async () => {
    const outcome = await call('hello', 'greet', { name: 'Wörld ✓ 日本 😀' });
    expect(value(outcome)).toEqual({ ok: true, value: { greeting: 'Hello, Wörld ✓ 日本 😀!' } });
    expect(outcome.ok && outcome.cpuMs).toBeGreaterThanOrEqual(0);
  });

  it('sends capability requests to the host and hands the replies back to the plugin', async () => {
    seen.length = 0;
    const id = nextId;
    const outcome = await call('hello', 'fetch_title', { url: 'https://example.com/' });
    expect(value(outcome)).toEqual({ ok: true, value: { status: 200, title: 'Héllo Wörld ✓' } });
    expect(seen.map((s) => s.op)).toEqual(['log', 'fetch.start', 'fetch.read', 'fetch.read']);
    expect(seen.every((s) => s.pluginKey === 'hello' && s.callId === id)).toBe(true);
    expect(seen[1]?.args).toMatchObject({ url: 'https://example.com/', method: 'GET' });
  });

  it('answers an unknown op with a plugin error, not a crash', async () => {
    expect(value(await call('hello', 'nope', {}))).toMatchObject({
      ok: false,
      error: { code: 'ROKU_PLUGIN_NO_SUCH_OP' },
    });
  });
});

describe('wasm engine limits', () => {
  it('refuses a module without a memory maximum before instantiating it', async () => {
    const path = join(tempDir('wasm'), 'nomax.wasm');
    writeFileSync(path, memoryOnlyModule(1, null));
    await expect(load('nomax', path)).rejects.toMatchObject({
      code: 'ROKU_SANDBOX_LOAD_FAILED',
      message: expect.stringContaining('no memory maximum') as unknown,
    });
  });

  it('refuses a module whose initial memory is over the plugin memory limit', async () => {
    const path = join(tempDir('wasm'), 'huge.wasm');
    writeFileSync(path, memoryOnlyModule(32_768, 32_768));
    await expect(load('huge', path)).rejects.toMatchObject({
      code: 'ROKU_SANDBOX_LOAD_FAILED',
      message: expect.stringContaining(
        'initial memory is 32768 pages (2048 MiB); the limit is 256 pages',
      ) as unknown,
    });
  });

  it('round-trips non-ASCII text through the plugin output', async () => {
    await load('bad', misbehaving);
    const text = 'héllo wörld ✓ 日本語 😀 "quoted" \\ \n';
    expect(value(await call('bad', 'echo', { text }))).toEqual({
      ok: true,
      value: { text, length: text.length },
    });
  });

  it('refuses output over the byte limit', async () => {
    const outcome = await call('bad', 'big', { bytes: 200_000 });
    expect(outcome).toMatchObject({ ok: false, error: { code: 'ROKU_SANDBOX_OUTPUT_TOO_LARGE' } });
    expect(value(await call('bad', 'echo', { text: 'still alive' }))).toMatchObject({ ok: true });
  });

  it("passes a plugin's deliberate error through as its call response", async () => {
    expect(value(await call('bad', 'fail', {}))).toEqual({
      ok: false,
      error: { code: 'NOPE', message: 'refused on purpose' },
    });
  });

  it('refuses calls over the concurrency limit', async () => {
    await load('bad', misbehaving, { ...LIMITS, wallMsPerCall: 500 });
    const first = call('bad', 'cap', { key: 'never' });
    const second = call('bad', 'echo', { text: 'queued' });
    expect(await call('bad', 'echo', { text: 'one too many' })).toMatchObject({
      ok: false,
      error: { code: 'ROKU_SANDBOX_BUSY' },
    });
    expect(await first).toMatchObject({
      ok: false,
      error: { code: 'ROKU_SANDBOX_TIMEOUT', details: { limit: 'wall' } },
    });
    expect(await second).toMatchObject({ ok: false, error: { code: 'ROKU_SANDBOX_UNLOADED' } });
    expect(disposed.at(-1)).toMatchObject({ pluginKey: 'bad', reason: { code: 'ROKU_SANDBOX_TIMEOUT' } });
  });

  it('stops a runaway loop at its CPU limit and keeps serving other plugins', async () => {
    await load('bad', misbehaving);
    const outcome = await call('bad', 'spin', {});
    expect(outcome).toMatchObject({
      ok: false,
      error: { code: 'ROKU_SANDBOX_TIMEOUT', details: { limit: 'cpu' } },
    });
    expect(disposed.at(-1)).toMatchObject({ pluginKey: 'bad', reason: { code: 'ROKU_SANDBOX_TIMEOUT' } });
    expect(await call('bad', 'echo', { text: 'x' })).toMatchObject({
      ok: false,
      error: { code: 'ROKU_SANDBOX_UNLOADED' },
    });
    expect(value(await call('hello', 'greet', { name: 'again' }))).toMatchObject({ ok: true });
    await load('bad', misbehaving);
    expect(value(await call('bad', 'echo', { text: 'reloaded' }))).toMatchObject({ ok: true });
  });

  it('stops only the runaway plugin among plugins sharing its worker', async () => {
    await load('bad', misbehaving);
    await load('waiting', misbehaving, { ...LIMITS, wallMsPerCall: 10_000 });
    // 'waiting' is suspended in a capability request the host never answers, 'hello' queued behind the spin
    const suspended = call('waiting', 'cap', { key: 'never' });
    await new Promise((resolve) => setTimeout(resolve, 50));
    const spin = call('bad', 'spin', {});
    const queued = call('hello', 'greet', { name: 'bystander' });
    expect(await spin).toMatchObject({
      ok: false,
      error: { code: 'ROKU_SANDBOX_TIMEOUT', details: { limit: 'cpu' } },
    });
    // the call that had asked nothing of the host runs again elsewhere; the suspended one cannot
    expect(value(await queued)).toEqual({ ok: true, value: { greeting: 'Hello, bystander!' } });
    expect(await suspended).toMatchObject({
      ok: false,
      error: { code: 'ROKU_SANDBOX_CRASHED', details: { bystander: true } },
    });
    expect(disposed.filter((d) => d.pluginKey === 'waiting' || d.pluginKey === 'hello')).toEqual([]);
    expect(value(await call('waiting', 'echo', { text: 'still loaded' }))).toMatchObject({ ok: true });
    expect(value(await call('hello', 'greet', { name: 'again' }))).toMatchObject({ ok: true });
    engine.unload('waiting');
  });

  it('disposes a plugin that traps and reports the abort message', async () => {
    await load('bad', misbehaving);
    const outcome = await call('bad', 'trap', {});
    expect(value(outcome)).toMatchObject({
      ok: false,
      error: { code: 'WASM_TRAP', message: expect.stringContaining('deliberate trap') as unknown },
    });
    expect(disposed.at(-1)).toMatchObject({ pluginKey: 'bad', reason: { code: 'ROKU_SANDBOX_CRASHED' } });
  });

  it('stops a plugin that outgrows its memory maximum', async () => {
    await load('bad', misbehaving);
    const outcome = await call('bad', 'grow', { mb: 64 });
    expect(outcome).toMatchObject({ ok: false, error: { code: 'ROKU_SANDBOX_OOM' } });
  });
});
