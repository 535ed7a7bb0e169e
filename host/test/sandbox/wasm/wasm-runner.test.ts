import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type {
  DisposedMessage,
  LoadedMessage,
  RunnerLimits,
  StatsMessage,
} from '../../../src/sandbox/protocol.js';
import { DEFAULT_LIMITS, RunnerHarness } from '../runner/harness.js';
import { EXAMPLE_DIR, buildLimitsPlugin, buildWasmPlugin } from './build-wasm.js';

let runner: RunnerHarness;
let example = '';
let misbehaving = '';

function loadWasm(
  pluginKey: string,
  entryPath: string,
  limits: Partial<RunnerLimits> = {},
): Promise<LoadedMessage> {
  const loaded = runner.waitFor((m): m is LoadedMessage => m.t === 'loaded' && m.pluginKey === pluginKey);
  runner.send({
    t: 'load',
    pluginKey,
    engine: 'wasm',
    entryPath,
    limits: { ...DEFAULT_LIMITS, ...limits },
    webAssembly: false,
  });
  return loaded;
}

beforeAll(async () => {
  [example, misbehaving] = await Promise.all([buildWasmPlugin(EXAMPLE_DIR), buildLimitsPlugin()]);
  runner = await RunnerHarness.start();
}, 60_000);

afterAll(() => runner.stop());

describe('wasm plugins in the real runner process', () => {
  it('loads, describes and calls a wasm plugin', async () => {
    const loaded = await loadWasm('hello', example);
    expect(loaded).toMatchObject({ ok: true });
    expect(JSON.parse(loaded.description ?? 'null')).toMatchObject({
      abi: 1,
      tools: ['greet', 'fetch_title'],
    });
    const result = await runner.call('hello', 'tool:greet', { name: 'Ünïcode ✓' });
    expect(JSON.parse(result.response ?? 'null')).toEqual({
      ok: true,
      value: { greeting: 'Hello, Ünïcode ✓!' },
    });
  });

  it('routes capability requests through the host and back', async () => {
    runner.capOverride = (cap) =>
      cap.op === 'kv.get' ? { ok: true, value: { value: 'from host' } } : undefined;
    await loadWasm('bad', misbehaving);
    const result = await runner.call('bad', 'tool:cap', { key: 'k' });
    expect(JSON.parse(result.response ?? 'null')).toEqual({
      ok: true,
      value: { ok: true, value: { value: 'from host' } },
    });
    expect(runner.caps.at(-1)).toMatchObject({ pluginKey: 'bad', op: 'kv.get', args: { key: 'k' } });
  });

  it('times out a runaway loop, reports the plugin disposed and keeps serving others', async () => {
    await loadWasm('spin', misbehaving, { cpuMsPerCall: 200 });
    const disposed = runner.waitFor(
      (m): m is DisposedMessage => m.t === 'disposed' && m.pluginKey === 'spin',
    );
    const result = await runner.call('spin', 'tool:spin', {});
    expect(result).toMatchObject({ ok: false, error: { code: 'ROKU_SANDBOX_TIMEOUT' } });
    expect((await disposed).reason.code).toBe('ROKU_SANDBOX_TIMEOUT');
    expect(await runner.call('hello', 'tool:greet', {})).toMatchObject({ ok: true });
  });

  it("lists each loaded wasm plugin in the runner's stats", async () => {
    const stats = runner.waitFor((m): m is StatsMessage => m.t === 'stats');
    runner.send({ t: 'stats' });
    expect((await stats).plugins.map((p) => p.pluginKey)).toEqual(expect.arrayContaining(['hello', 'bad']));
  });
});
