/**
 * A CPU budget per time window (`limits.cpuMsPerMinute`): a plugin that keeps the CPU busy call after call is
 * refused with ROKU_CAPABILITY_RATE_LIMITED saying when the window refills, through the real host and runner,
 * for isolate and wasm plugins alike; other plugins keep running.
 */
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { PluginManifest } from '@roku/schemas';
import { tempDir } from '@roku/test-support';
import { DEFAULT_CEILINGS, DEFAULT_CPU_MS_PER_MINUTE, effectiveLimits } from '../../../src/sandbox/limits.js';
import { CpuWindow } from '../../../src/sandbox/runner/isolate-cpu-window.js';
import { createHarness, rejection } from '../../security/helpers.js';
import type { Harness } from '../../security/helpers.js';

const WASM_HELLO = fileURLToPath(new URL('../../../../examples/wasm-hello', import.meta.url));

let h: Harness;

beforeAll(async () => {
  h = await createHarness();
});
afterAll(async () => {
  await h.close();
});
afterEach(async () => {
  await h.expectCanaryAlive();
});

/** Calls until one is refused (at most `max` calls); returns the refusal and how many calls succeeded. */
async function callUntilRefused(
  call: () => Promise<unknown>,
  max: number,
): Promise<{ ok: number; error: Awaited<ReturnType<typeof rejection>> }> {
  let ok = 0;
  for (let i = 0; i < max; i++) {
    try {
      await call();
      ok += 1;
    } catch {
      return { ok, error: await rejection(call()) };
    }
  }
  throw new Error(`no call out of ${max} was refused`);
}

describe('a plugin over its CPU budget per minute', () => {
  it('is refused with ROKU_CAPABILITY_RATE_LIMITED saying when the window refills', async () => {
    const sandbox = await h.load('cpu-hog', {
      body: `const end = Date.now() + 120; while (Date.now() < end) {} return 'burnt';`,
      limits: { cpuMsPerCall: 400, cpuMsPerMinute: 300 },
    });
    const { ok, error } = await callUntilRefused(() => sandbox.call('tool:t', {}), 20);
    // at most 120 ms of CPU a call against 300 ms a minute: a few calls fit (more if the machine is busy and
    // the loop gets less CPU), then the window is spent
    expect(ok).toBeGreaterThanOrEqual(2);
    expect(error.code).toBe('ROKU_CAPABILITY_RATE_LIMITED');
    expect(error.message).toContain('cpuMsPerMinute');
    expect(error.message).toContain('@evil/cpu-hog');
    expect(error.details).toMatchObject({ limit: 'cpuMsPerMinute', max: 300 });
    const retryAfterMs = error.details.retryAfterMs as number;
    expect(retryAfterMs).toBeGreaterThan(0);
    expect(retryAfterMs).toBeLessThanOrEqual(60_000);
  });

  it('keeps counting across a reload of the same plugin', async () => {
    const spec = {
      body: `const end = Date.now() + 120; while (Date.now() < end) {} return 'burnt';`,
      limits: { cpuMsPerCall: 400, cpuMsPerMinute: 250 },
    };
    const first = await h.load('cpu-reload', spec);
    await callUntilRefused(() => first.call('tool:t', {}), 20);
    await first.dispose();
    const second = await h.load('cpu-reload', spec);
    const error = await rejection(second.call('tool:t', {}));
    expect(error.code).toBe('ROKU_CAPABILITY_RATE_LIMITED');
  });

  it("takes the user's override from plugins.grants over the manifest's value", async () => {
    const sandbox = await h.load('cpu-user-limit', {
      body: `const end = Date.now() + 30; while (Date.now() < end) {} return 'burnt';`,
      limits: { cpuMsPerMinute: 600_000 },
      grants: { limits: { cpuMsPerMinute: 1 } },
    });
    const { error } = await callUntilRefused(() => sandbox.call('tool:t', {}), 3);
    expect(error.code).toBe('ROKU_CAPABILITY_RATE_LIMITED');
    expect(error.details).toMatchObject({ limit: 'cpuMsPerMinute', max: 1 });
  });

  it('applies to wasm plugins too', async () => {
    const dir = tempDir('cpu-window-wasm');
    cpSync(join(WASM_HELLO, 'roku.plugin.json'), join(dir, 'roku.plugin.json'));
    cpSync(join(WASM_HELLO, 'dist'), join(dir, 'dist'), { recursive: true });
    const manifest = JSON.parse(readFileSync(join(dir, 'roku.plugin.json'), 'utf8')) as PluginManifest;
    writeFileSync(
      join(dir, 'roku.plugin.json'),
      JSON.stringify({ ...manifest, limits: { ...manifest.limits, cpuMsPerMinute: 1 } }),
    );
    const sandbox = await h.host.loadFolder(dir);
    // loading alone (instantiating Extism, describe) uses more than a millisecond of CPU
    const { error } = await callUntilRefused(() => sandbox.call('tool:greet', { name: 'x' }), 3);
    expect(error.code).toBe('ROKU_CAPABILITY_RATE_LIMITED');
    expect(error.details).toMatchObject({ limit: 'cpuMsPerMinute', max: 1 });
  });
});

describe('the effective CPU budget per minute', () => {
  const manifest = { limits: { cpuMsPerMinute: 5000 } } as unknown as PluginManifest;

  it("is the manifest's, the user's override from plugins.grants, or the default", () => {
    expect(effectiveLimits(manifest, DEFAULT_CEILINGS).cpuMsPerMinute).toBe(5000);
    expect(effectiveLimits(manifest, DEFAULT_CEILINGS, { cpuMsPerMinute: 200 }).cpuMsPerMinute).toBe(200);
    expect(effectiveLimits({} as PluginManifest, DEFAULT_CEILINGS).cpuMsPerMinute).toBe(
      DEFAULT_CPU_MS_PER_MINUTE,
    );
  });
});

describe('the CPU window', () => {
  it('refuses while the last 60 s used the limit, and says when enough has left the window', () => {
    const window = new CpuWindow();
    window.charge(0, 100);
    window.charge(30_000, 250);
    expect(window.refusal('p@1#1', 400, 40_000)).toBeUndefined();
    const refusal = window.refusal('p@1#1', 300, 40_000);
    // the 100 ms charged at 0 leave the window at 60 000, and 250 ms is below the limit again
    expect(refusal?.details).toEqual({
      limit: 'cpuMsPerMinute',
      max: 300,
      usedMs: 350,
      retryAfterMs: 20_000,
    });
    expect(window.refusal('p@1#1', 300, 60_000)).toBeUndefined();
    expect(window.used(90_000)).toBe(0);
  });
});
