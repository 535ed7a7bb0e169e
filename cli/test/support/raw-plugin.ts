import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface RawPluginSpec {
  /** Body of `async function run(input)`; `cap(op, args)` calls a host capability. */
  readonly body: string;
  readonly limits?: Record<string, number>;
}

/**
 * Writes a dev plugin `@test/<name>` with one read-only tool `t`, in plain JavaScript that speaks the plugin
 * ABI itself (no SDK, no build step), as a misbehaving third-party plugin could. Returns its folder.
 */
export function writeRawPlugin(parent: string, name: string, spec: RawPluginSpec): string {
  const dir = join(parent, name);
  mkdirSync(dir, { recursive: true });
  const manifest = {
    manifestVersion: 1,
    id: `@test/${name}`,
    version: '0.0.1',
    description: `Test plugin ${name}.`,
    license: 'MIT',
    engines: { roku: '^0.1.0' },
    runtime: { type: 'isolate', entry: 'plugin.js' },
    contributes: {
      tools: [{ name: 't', description: 'The test tool.', inputSchema: { type: 'object' }, risk: ['read'] }],
    },
    permissions: {},
    limits: { cpuMsPerCall: 500, wallMsPerCall: 5000, memoryMb: 32, ...spec.limits },
  };
  const source = `'use strict';
const cap = async (op, args) => JSON.parse(await globalThis.__roku_host.cap(JSON.stringify({ op, args })));
async function run(input) {
${spec.body}
}
globalThis.__roku_abi = {
  describe() {
    return JSON.stringify({ abi: 1, tools: ['t'], providers: [], memorySlot: null, contextEngine: null, subagentRuntimes: [] });
  },
  async call(requestJson) {
    const request = JSON.parse(requestJson);
    try {
      const value = await run(request.input);
      return JSON.stringify({ ok: true, value: value === undefined ? null : value });
    } catch (e) {
      return JSON.stringify({ ok: false, error: { code: 'PLUGIN_ERROR', message: String(e && e.message) } });
    }
  },
};
`;
  writeFileSync(join(dir, 'roku.plugin.json'), JSON.stringify(manifest, null, 2));
  writeFileSync(join(dir, 'plugin.js'), source);
  return dir;
}
