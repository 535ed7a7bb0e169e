/**
 * A plugin whose top-level code throws (issue 18, bad input): the author's commands name the line in their own
 * source, mapped through the dist/plugin.js.map that `roku plugin build` writes.
 */
import { spawn } from 'node:child_process';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { parse, repo, run, stopAll, tempDir } from './helpers.js';

const children: ChildProcessWithoutNullStreams[] = [];
afterEach(() => stopAll(children));

/** A real `roku` process; its stdout is collected as it comes. */
function roku(args: string[], home: string): () => string {
  let out = '';
  const child = spawn(process.execPath, [join(repo, 'cli/dist/bin.js'), ...args], {
    env: { ...process.env, ROKU_HOME: home },
  });
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
  children.push(child);
  return () => out;
}

async function until<T>(what: string, probe: () => T | undefined): Promise<T> {
  for (let i = 0; i < 600; i += 1) {
    const value = probe();
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`gave up waiting for ${what}`);
}

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

    // The map is for the author's machine: a packed plugin ships the bundle without it.
    const pack = await run(['plugin', 'pack', dir, '--json'], { home, cwd: dir });
    expect(pack.code).toBe(0);
    const tar = gunzipSync(readFileSync(parse<{ file: string }>(pack).file)).toString('latin1');
    expect(tar).toContain('dist/plugin.js');
    expect(tar).not.toContain('dist/plugin.js.map');
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

  it('roku plugin call names the src line where a tool handler threw', async () => {
    const home = tempDir('home');
    const dir = await initPlugin(home, 'throws-in-handler');
    writeFileSync(
      join(dir, 'src/index.ts'),
      [
        "import { definePlugin, defineTool } from '@roku/plugin-api';",
        '',
        'export const greet = defineTool({',
        "  name: 'greet',",
        '  handler: (input: { name?: string }) => {',
        "    if (input.name === undefined) throw new Error('name is required');",
        '    return { greeting: input.name };',
        '  },',
        '});',
        '',
        'export default definePlugin({ tools: [greet] });',
        '',
      ].join('\n'),
    );
    expect((await run(['plugin', 'build', dir], { home })).code).toBe(0);

    const call = await run(['plugin', 'call', dir, 'greet', '{}'], { home });
    expect(call.stderr).toContain('name is required');
    expect(call.stderr).toMatch(/the handler threw at src\/index\.ts:6:\d+/);
    expect(call.stderr).toContain('ROKU_PLUGIN_FAILED');
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

  it(
    'roku plugin dev shows the src line under the running host’s load failure',
    { timeout: 120_000 },
    async () => {
      const home = tempDir('home');
      writeFileSync(
        join(home, 'config.json'),
        JSON.stringify({
          log: { level: 'warn', file: 'roku.log' },
          plugins: { devDirs: [join(repo, 'plugins/provider-scripted')] },
        }),
      );
      const dir = await initPlugin(home, 'dev-throws');
      writeFileSync(join(dir, 'src/index.ts'), THROWS_AT_LINE_9);
      const serve = roku(['serve', '--port', '0'], home);
      await until('roku serve to listen', () => /listening on/.exec(serve())?.[0]);
      const dev = roku(['plugin', 'dev', dir], home);
      const out = await until('the load failure', () =>
        dev().includes('code that runs at load threw') ? dev() : undefined,
      );
      expect(out).toContain('settings table is empty');
      expect(out).toMatch(/code that runs at load threw: fix src\/index\.ts:9:\d+/);
    },
  );
});
