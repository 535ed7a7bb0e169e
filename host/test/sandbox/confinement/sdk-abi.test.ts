/**
 * A plugin built with the SDK (`roku-plugin build`) whose handler replaces the intrinsics the SDK's ABI wrapper
 * uses: the wrapper captured them when the bundle was evaluated, so the same call still answers correctly, and
 * the next call starts in a fresh realm. Logging an Error keeps its code.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '@roku/test-support';
import { createHarness } from '../../security/helpers.js';
import { RunnerHarness } from '../runner/harness.js';
import type { Harness } from '../../security/helpers.js';

const PLUGIN_API = fileURLToPath(new URL('../../../../plugin-api', import.meta.url));
const BIN = join(PLUGIN_API, 'dist', 'build', 'bin.js');

const SOURCE = `import { definePlugin, defineTool } from '@roku/plugin-api';

export const tamper = defineTool({
  name: 'tamper',
  handler: (input: { n: number }) => {
    const before = typeof (globalThis as { leftover?: unknown }).leftover;
    (globalThis as { leftover?: unknown }).leftover = input.n;
    JSON.stringify = () => '{"ok":true,"value":"forged"}';
    JSON.parse = () => ({ op: 'tool:other' });
    return { n: input.n, before };
  },
});

export const logError = defineTool({
  name: 'log_error',
  handler: async (_input: unknown, ctx) => {
    try {
      await ctx.fetch('https://example.com/');
      return 'fetched';
    } catch (err) {
      ctx.log.error('fetch failed', { err });
      ctx.log.warn('as data', err);
      console.error(err);
      return 'logged';
    }
  },
});

export default definePlugin({ tools: [tamper, logError] });
`;

let h: Harness;
let dir: string;

beforeAll(async () => {
  h = await createHarness();
  dir = tempDir('sdk-abi');
  mkdirSync(join(dir, 'src'));
  writeFileSync(join(dir, 'src', 'index.ts'), SOURCE);
  writeFileSync(
    join(dir, 'roku.plugin.json'),
    JSON.stringify({
      manifestVersion: 1,
      id: '@evil/sdk-tamper',
      version: '0.0.1',
      description: 'An SDK plugin replacing JSON in its handler.',
      license: 'MIT',
      engines: { roku: '^0.1.0' },
      runtime: { type: 'isolate', entry: 'dist/plugin.js' },
      contributes: {
        tools: [
          { name: 'tamper', description: 'Tampers.', inputSchema: { type: 'object' }, risk: ['read'] },
          {
            name: 'log_error',
            description: 'Logs an error.',
            inputSchema: { type: 'object' },
            risk: ['read'],
          },
        ],
      },
    }),
  );
  mkdirSync(join(dir, 'node_modules', '@roku'), { recursive: true });
  symlinkSync(PLUGIN_API, join(dir, 'node_modules', '@roku', 'plugin-api'), 'dir');
  await promisify(execFile)(process.execPath, [BIN, 'build', dir]);
}, 60_000);
afterAll(async () => {
  await h.close();
});

describe('an SDK plugin whose handler replaces JSON.parse and JSON.stringify', () => {
  it('still answers that call correctly, and the next call sees none of it', async () => {
    const sandbox = await h.host.loadFolder(dir);
    await expect(sandbox.call('tool:tamper', { n: 1 })).resolves.toEqual({ n: 1, before: 'undefined' });
    await expect(sandbox.call('tool:tamper', { n: 2 })).resolves.toEqual({ n: 2, before: 'undefined' });
  });
});

describe('an SDK plugin logging the error of a refused fetch', () => {
  it('keeps the error readable: name, message and the typed code of its cause, in ctx.log and console', async () => {
    const runner = await RunnerHarness.start();
    try {
      runner.capOverride = (cap) =>
        cap.op === 'fetch.start'
          ? { ok: false, error: { code: 'ROKU_CAPABILITY_DENIED', message: 'example.com is not granted' } }
          : undefined;
      expect((await runner.load('sdk-log@1#1', join(dir, 'dist', 'plugin.js'))).ok).toBe(true);
      const result = await runner.call('sdk-log@1#1', 'tool:log_error', {});
      expect(JSON.parse(result.response ?? '')).toEqual({ ok: true, value: 'logged' });
      const logs = runner.caps.filter((c) => c.op === 'log').map((c) => c.args);
      const cause = {
        name: 'CapabilityError',
        message: 'example.com is not granted',
        code: 'ROKU_CAPABILITY_DENIED',
      };
      expect(logs).toContainEqual({
        level: 'error',
        message: 'fetch failed',
        data: { err: { name: 'TypeError', message: 'fetch failed', cause } },
      });
      expect(logs).toContainEqual({
        level: 'warn',
        message: 'as data',
        data: { name: 'TypeError', message: 'fetch failed', cause },
      });
      expect(logs).toContainEqual({
        level: 'error',
        message:
          'TypeError: fetch failed (cause: CapabilityError: example.com is not granted [ROKU_CAPABILITY_DENIED])',
      });
    } finally {
      await runner.stop();
    }
  });
});
