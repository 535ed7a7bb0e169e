import { rawPluginSource } from '@roku/test-support';
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
  const source = rawPluginSource(spec.body);
  writeFileSync(join(dir, 'roku.plugin.json'), JSON.stringify(manifest, null, 2));
  writeFileSync(join(dir, 'plugin.js'), source);
  return dir;
}
