import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '@roku/test-support';
import { createPluginHost, createRootLogger, createSandboxMetrics } from '../../src/index.js';
import type { PluginHost } from '../../src/index.js';

const echoDir = fileURLToPath(new URL('../../../examples/tool-echo', import.meta.url));

/** A plugin whose one tool throws an error with its own code. */
function throwingPlugin(): string {
  const dir = tempDir('metrics');
  writeFileSync(
    join(dir, 'roku.plugin.json'),
    JSON.stringify({
      manifestVersion: 1,
      id: '@test/thrower',
      version: '1.0.0',
      description: 'Throws.',
      license: 'MIT',
      engines: { roku: '^0.1.0' },
      runtime: { type: 'isolate', entry: 'plugin.js' },
      contributes: {
        tools: [{ name: 'boom', description: 'Throws.', inputSchema: { type: 'object' }, risk: ['read'] }],
      },
    }),
  );
  writeFileSync(
    join(dir, 'plugin.js'),
    `globalThis.__roku_abi = {
      describe: () => JSON.stringify({ abi: 1, tools: ['boom'], providers: [], memorySlot: null, contextEngine: null, subagentRuntimes: [] }),
      call: async () => JSON.stringify({ ok: false, error: { code: 'E_BOOM', message: 'boom' } }),
    };`,
  );
  return dir;
}

let host: PluginHost;
const registry = new Registry();

beforeAll(() => {
  const home = tempDir('metrics-home');
  host = createPluginHost({
    logger: createRootLogger({ level: 'silent' }),
    home,
    workspace: home,
    env: {},
    metrics: createSandboxMetrics(registry),
  });
});
afterAll(() => host.close());

describe('per-plugin sandbox metrics', () => {
  it('count calls, errors by code, latency, CPU time and memory per plugin in Prometheus form', async () => {
    const echo = await host.loadFolder(echoDir);
    await echo.call('tool:echo', { text: 'a' });
    await echo.call('tool:echo', { text: 'b' });
    const thrower = await host.loadFolder(throwingPlugin());
    await expect(thrower.call('tool:boom', {})).rejects.toMatchObject({ code: 'ROKU_PLUGIN_FAILED' });
    await host.sandboxes.stats();

    const text = await registry.metrics();
    expect(text).toContain('roku_plugin_calls_total{plugin="@roku/example-tool-echo",op="tool"} 2');
    expect(text).toContain('roku_plugin_errors_total{plugin="@test/thrower",code="ROKU_PLUGIN_FAILED"} 1');
    expect(text).toContain('roku_plugin_calls_total{plugin="@test/thrower",op="tool"} 1');
    expect(text).toContain('roku_plugin_call_duration_seconds_count{plugin="@roku/example-tool-echo"} 2');
    expect(text).toMatch(/roku_plugin_cpu_milliseconds_total\{plugin="@roku\/example-tool-echo"\} \d/);
    expect(text).toMatch(/roku_plugin_memory_bytes\{plugin="@roku\/example-tool-echo"\} [1-9]\d*/);
    expect(text).toMatch(/roku_plugin_load_duration_seconds_count\{engine="isolate"\} [1-9]/);
  });
});
