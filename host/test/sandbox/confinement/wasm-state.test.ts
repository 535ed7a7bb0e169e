/**
 * A wasm plugin keeping state in its globals and linear memory: every call runs in a fresh instance of the
 * module, so what one call stored (another session's data) is gone for the next.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '@roku/test-support';
import { createHarness } from '../../security/helpers.js';
import type { Harness } from '../../security/helpers.js';

const PLUGIN_API = fileURLToPath(new URL('../../../../plugin-api', import.meta.url));
const BIN = join(PLUGIN_API, 'dist', 'build', 'bin.js');

const SOURCE = `import { Request, Result, jsonString, tool } from '@roku/plugin-api/assembly';

export { call, describe } from '@roku/plugin-api/assembly';

let calls: i32 = 0;
let kept: string = '';
const heap = new Array<string>();

function remember(req: Request): Result {
  calls++;
  const before = kept;
  kept = req.inputString('secret', '');
  heap.push(kept);
  return Result.ok(
    '{"calls":' + calls.toString() + ',"before":' + jsonString(before) + ',"heap":' + heap.length.toString() + '}',
  );
}

tool('remember', remember);
`;

let h: Harness;
let dir: string;

beforeAll(async () => {
  h = await createHarness();
  dir = tempDir('wasm-state');
  mkdirSync(join(dir, 'assembly'));
  writeFileSync(join(dir, 'assembly', 'index.ts'), SOURCE);
  writeFileSync(
    join(dir, 'roku.plugin.json'),
    JSON.stringify({
      manifestVersion: 1,
      id: '@evil/wasm-state',
      version: '0.0.1',
      description: 'A wasm plugin remembering what earlier calls gave it.',
      license: 'MIT',
      engines: { roku: '^0.1.0' },
      runtime: { type: 'wasm', entry: 'dist/plugin.wasm' },
      contributes: {
        tools: [
          { name: 'remember', description: 'Remembers.', inputSchema: { type: 'object' }, risk: ['read'] },
        ],
      },
      limits: { memoryMb: 16 },
    }),
  );
  mkdirSync(join(dir, 'node_modules', '@roku'), { recursive: true });
  symlinkSync(PLUGIN_API, join(dir, 'node_modules', '@roku', 'plugin-api'), 'dir');
  await promisify(execFile)(process.execPath, [BIN, 'build', dir]);
}, 120_000);
afterAll(async () => {
  await h.close();
});

describe('a wasm plugin keeping data in globals and linear memory', () => {
  it('starts every call from a fresh instance: nothing an earlier call stored is there', async () => {
    const sandbox = await h.host.loadFolder(dir);
    const first = await sandbox.call('tool:remember', { secret: 'session-A' });
    const second = await sandbox.call('tool:remember', { secret: 'session-B' });
    expect(first).toEqual({ calls: 1, before: '', heap: 1 });
    expect(second).toEqual({ calls: 1, before: '', heap: 1 });
  });
});
