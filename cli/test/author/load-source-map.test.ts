/**
 * A plugin whose top-level code throws (issue 18, bad input): the author's commands name the line in their own
 * source, mapped through the dist/plugin.js.map that `roku plugin build` writes.
 */
import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse, repo, run, tempDir } from './helpers.js';

/** A plugin folder made by `roku plugin init`, resolving the workspace SDK as after `npm install`. */
async function initPlugin(home: string, name: string): Promise<string> {
  const parent = tempDir('srcmap');
  mkdirSync(join(parent, 'node_modules/@roku'), { recursive: true });
  symlinkSync(join(repo, 'plugin-api'), join(parent, 'node_modules/@roku/plugin-api'), 'dir');
  expect((await run(['plugin', 'init', name], { home, cwd: parent })).code).toBe(0);
  return join(parent, name);
}

/** Source whose line 9 throws when the bundle loads (after a few lines the bundle shifts around). */
const THROWS_AT_LINE_9 = [
  "import { definePlugin, defineTool } from '@roku/plugin-api';",
  '',
  'export const greet = defineTool({',
  "  name: 'greet',",
  "  handler: (input: { name?: string }) => ({ greeting: `Hello, ${input.name ?? 'world'}!` }),",
  '});',
  '',
  'const table: Record<string, number> = {};',
  "if (table.missing === undefined) throw new Error('settings table is empty');",
  '',
  'export default definePlugin({ tools: [greet] });',
  '',
].join('\n');

describe('a plugin that throws while loading', () => {
  it('builds an external source map next to the bundle, without a sourceMappingURL in the bundle', async () => {
    const home = tempDir('home');
    const dir = await initPlugin(home, 'mapped');
    expect((await run(['plugin', 'build', dir], { home })).code).toBe(0);
    const map = JSON.parse(readFileSync(join(dir, 'dist/plugin.js.map'), 'utf8')) as { sources: string[] };
    expect(map.sources).toContain('../src/index.ts');
    expect(readFileSync(join(dir, 'dist/plugin.js'), 'utf8')).not.toContain('sourceMappingURL');
  });

  it('roku plugin call names src/index.ts and the line that threw, with the fix', async () => {
    const home = tempDir('home');
    const dir = await initPlugin(home, 'throws-at-load');
    writeFileSync(join(dir, 'src/index.ts'), THROWS_AT_LINE_9);
    expect((await run(['plugin', 'build', dir], { home })).code).toBe(0);

    const call = await run(['plugin', 'call', dir, 'greet', '{}'], { home });
    expect(call.code).not.toBe(0);
    expect(call.stderr).toContain('settings table is empty');
    expect(call.stderr).toMatch(/code that runs at load threw: fix src\/index\.ts:9:\d+/);
    expect(call.stderr).toContain('ROKU_SANDBOX_LOAD_FAILED');

    const json = await run(['plugin', 'call', dir, 'greet', '{}', '--json'], { home });
    const error = parse<{ error: { code: string; details: { source: { file: string; line: number } } } }>(
      json,
    ).error;
    expect(error.code).toBe('ROKU_SANDBOX_LOAD_FAILED');
    expect(error.details.source).toMatchObject({ file: 'src/index.ts', line: 9 });
  });

  it('roku plugin test names src/index.ts and the line that threw in its report', async () => {
    const home = tempDir('home');
    const dir = await initPlugin(home, 'test-throws');
    writeFileSync(join(dir, 'src/index.ts'), THROWS_AT_LINE_9);

    const test = await run(['plugin', 'test', dir, '--no-own-tests'], { home });
    expect(test.code).toBe(1);
    expect(test.stdout).toMatch(/code that runs at load threw: fix src\/index\.ts:9:\d+/);
  });

  it('without a map (a bundle built elsewhere) the bundle line is still named', async () => {
    const home = tempDir('home');
    const dir = await initPlugin(home, 'no-map');
    writeFileSync(join(dir, 'src/index.ts'), THROWS_AT_LINE_9);
    expect((await run(['plugin', 'build', dir], { home })).code).toBe(0);
    writeFileSync(join(dir, 'dist/plugin.js.map'), '');
    expect(existsSync(join(dir, 'dist/plugin.js'))).toBe(true);

    const call = await run(['plugin', 'call', dir, 'greet', '{}'], { home });
    expect(call.stderr).toMatch(
      /the bundle failed while loading: settings table is empty \(bundle line \d+:\d+\)/,
    );
    expect(call.stderr).not.toContain('code that runs at load threw');
  });
});
