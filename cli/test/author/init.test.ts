import { mkdirSync, readFileSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse, repo, run, tempDir } from './helpers.js';

describe('roku plugin init', () => {
  it('scaffolds a TypeScript tool plugin that validates, builds and runs', async () => {
    const parent = tempDir('init');
    // The scaffold depends on @roku/plugin-api; link the workspace copy as an install would.
    mkdirSync(join(parent, 'node_modules/@roku'), { recursive: true });
    symlinkSync(join(repo, 'plugin-api'), join(parent, 'node_modules/@roku/plugin-api'), 'dir');
    const home = tempDir('home');

    const init = await run(['plugin', 'init', 'Hello Tool', '--json'], { home, cwd: parent });
    expect(init.code).toBe(0);
    expect(parse<{ id: string; files: string[] }>(init)).toMatchObject({
      id: '@local/hello-tool',
      files: [
        '.gitignore',
        'README.md',
        'package.json',
        'roku.plugin.json',
        'src/index.ts',
        'test/plugin.test.ts',
      ],
    });
    const dir = join(parent, 'Hello Tool');
    expect(readFileSync(join(dir, 'src/index.ts'), 'utf8')).toContain('definePlugin');

    const validate = await run(['plugin', 'validate', dir, '--json'], { home });
    expect(validate.code).toBe(0);
    expect(parse<{ results: { ok: boolean }[] }>(validate).results).toEqual([
      expect.objectContaining({ ok: true }),
    ]);

    const build = await run(['plugin', 'build', dir], { home });
    expect(build.stderr).toBe('');
    expect(build.code).toBe(0);
    const call = await run(['plugin', 'call', '--json', dir, 'greet', '{"name":"Ada"}'], { home });
    expect(call.code).toBe(0);
    expect(call.stdout).toContain('Hello, Ada!');
  });

  it('scaffolds a wasm plugin whose manifest validates', async () => {
    const parent = tempDir('init');
    const home = tempDir('home');
    const init = await run(['plugin', 'init', 'hello-wasm', '--runtime', 'wasm'], { home, cwd: parent });
    expect(init.code).toBe(0);
    const manifest = JSON.parse(readFileSync(join(parent, 'hello-wasm/roku.plugin.json'), 'utf8')) as {
      runtime: { type: string };
    };
    expect(manifest.runtime.type).toBe('wasm');
    expect((await run(['plugin', 'validate', join(parent, 'hello-wasm')], { home })).code).toBe(0);
  });

  it('refuses a folder that is not empty and an unknown runtime', async () => {
    const parent = tempDir('init');
    const home = tempDir('home');
    expect((await run(['plugin', 'init', 'a'], { home, cwd: parent })).code).toBe(0);
    const again = await run(['plugin', 'init', 'a'], { home, cwd: parent });
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('is not empty');
    expect((await run(['plugin', 'init', 'b', '--runtime', 'jvm'], { home, cwd: parent })).code).toBe(2);
  });

  it('names the choices for an unknown kind or language, and refuses AssemblyScript for a non-tool kind', async () => {
    const parent = tempDir('init');
    const home = tempDir('home');
    const kind = await run(['plugin', 'init', 'k', '--kind', 'widget'], { home, cwd: parent });
    expect(kind.code).toBe(2);
    expect(kind.stderr).toContain(
      '--kind widget: must be one of tool, provider, memory, context, subagent, bridge',
    );
    const lang = await run(['plugin', 'init', 'l', '--lang', 'rust'], { home, cwd: parent });
    expect(lang.stderr).toContain('--lang rust: must be ts or assemblyscript');
    const wasm = await run(['plugin', 'init', 'm', '--kind', 'memory', '--lang', 'assemblyscript'], {
      home,
      cwd: parent,
    });
    expect(wasm.code).toBe(2);
    expect(wasm.stderr).toContain('use --lang ts for a memory');
  });

  it.each(['tool', 'provider', 'memory', 'context', 'subagent', 'bridge'])(
    'scaffolds a %s plugin whose manifest validates, with a test and pack and publish scripts',
    async (k) => {
      const parent = tempDir('init');
      const home = tempDir('home');
      expect((await run(['plugin', 'init', k, '--kind', k], { home, cwd: parent })).code).toBe(0);
      const dir = join(parent, k);
      expect((await run(['plugin', 'validate', dir], { home })).code).toBe(0);
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as {
        scripts: Record<string, string>;
      };
      expect(Object.keys(pkg.scripts)).toEqual(
        expect.arrayContaining(['build', 'test', 'roku:pack', 'roku:publish']),
      );
      expect(readFileSync(join(dir, 'test/plugin.test.ts'), 'utf8')).toContain('@roku/plugin-testing');
    },
  );
});
