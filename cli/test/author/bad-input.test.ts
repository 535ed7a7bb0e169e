/**
 * An author's mistakes (issue 18, bad input): each one gets a message naming the file, line or field and the
 * fix, with a stable code.
 */
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createRegistryServer, generateKeyPair } from '@roku/registry';
import { describe, expect, it } from 'vitest';
import { repo, run, tempDir } from './helpers.js';

/** A folder whose plugins resolve the workspace SDK, as after `npm install`. */
function authorFolder(): string {
  const parent = tempDir('bad');
  mkdirSync(join(parent, 'node_modules/@roku'), { recursive: true });
  symlinkSync(join(repo, 'plugin-api'), join(parent, 'node_modules/@roku/plugin-api'), 'dir');
  return parent;
}

async function initPlugin(parent: string, home: string, name: string, args: string[] = []): Promise<string> {
  expect((await run(['plugin', 'init', name, ...args], { home, cwd: parent })).code).toBe(0);
  return join(parent, name);
}

describe('an author’s bad plugin code', () => {
  it('a node: import fails the build at its file and line, and says what to use instead', async () => {
    const home = tempDir('home');
    const dir = await initPlugin(authorFolder(), home, 'uses-fs');
    writeFileSync(
      join(dir, 'src/index.ts'),
      "import { readFileSync } from 'node:fs';\nimport { definePlugin, defineTool } from '@roku/plugin-api';\n" +
        "export default definePlugin({ tools: [defineTool({ name: 'greet', handler: () => ({ greeting: readFileSync('/etc/hostname', 'utf8') }) })] });\n",
    );
    const build = await run(['plugin', 'build', dir], { home });
    expect(build.code).toBe(1);
    expect(build.stderr).toContain('src/index.ts:1:');
    expect(build.stderr).toContain(
      "'node:fs' is a Node built-in; sandboxed plugins use ctx and web APIs instead",
    );
    expect(build.stderr).toContain('ROKU_PLUGIN_BUILD_FAILED');
  });

  it('a plugin that throws at load fails the call with the thrown message, and the CLI stays up', async () => {
    const home = tempDir('home');
    const dir = await initPlugin(authorFolder(), home, 'throws');
    writeFileSync(
      join(dir, 'src/index.ts'),
      "import { definePlugin, defineTool } from '@roku/plugin-api';\nthrow new Error('settings missing');\n" +
        "export default definePlugin({ tools: [defineTool({ name: 'greet', handler: () => ({ greeting: 'x' }) })] });\n",
    );
    expect((await run(['plugin', 'build', dir], { home })).code).toBe(0);
    const call = await run(['plugin', 'call', dir, 'greet', '{}'], { home });
    expect(call.code).toBe(1);
    expect(call.stderr).toContain('@local/throws@0.1.0');
    expect(call.stderr).toContain('the bundle failed while loading: settings missing');
    expect(call.stderr).toContain('ROKU_SANDBOX_LOAD_FAILED');
  });

  it('code that registers another name than the manifest declares is named on both sides', async () => {
    const home = tempDir('home');
    const dir = await initPlugin(authorFolder(), home, 'renamed');
    const source = join(dir, 'src/index.ts');
    writeFileSync(source, readFileSync(source, 'utf8').replace("name: 'greet'", "name: 'hello'"));
    expect((await run(['plugin', 'build', dir], { home })).code).toBe(0);
    const call = await run(['plugin', 'call', dir, 'greet', '{}'], { home });
    expect(call.stderr).toContain(
      "tool 'greet' is declared but not implemented; tool 'hello' is implemented but not declared",
    );
  });

  it('a wasm module without the ABI exports fails the build with the line to add', async () => {
    const home = tempDir('home');
    const dir = await initPlugin(authorFolder(), home, 'wasm-no-exports', ['--lang', 'assemblyscript']);
    const source = join(dir, 'assembly/index.ts');
    writeFileSync(source, readFileSync(source, 'utf8').replace(/^export \{ call, describe \}.*$/m, ''));
    const build = await run(['plugin', 'build', dir], { home });
    expect(build.code).toBe(1);
    expect(build.stderr).toContain('assembly/index.ts: the module does not export describe and call');
    expect(build.stderr).toContain("export { call, describe } from '@roku/plugin-api/assembly';");
  }, 60_000);
});

describe('an author’s bad publish', () => {
  it('an already-published version names the manifest field and says to bump it', async () => {
    const home = tempDir('home');
    const dir = await initPlugin(authorFolder(), home, 'twice');
    expect((await run(['plugin', 'build', dir], { home })).code).toBe(0);
    const keyFile = join(tempDir('keys'), 'key.pem');
    writeFileSync(keyFile, generateKeyPair().privateKeyPem);
    const args = ['plugin', 'publish', dir, '--registry', tempDir('registry'), '--key', keyFile];
    expect((await run(args, { home })).code).toBe(0);
    const again = await run(args, { home });
    expect(again.code).toBe(1);
    expect(again.stderr).toContain(`${join(dir, 'roku.plugin.json')}: /version 0.1.0 is already published`);
    expect(again.stderr).toContain('bump "version" (semver)');
    expect(again.stderr).toContain('ROKU_REGISTRY_VERSION_EXISTS');
  });

  it('a wrong token names the variable it was read from and how to fix it', async () => {
    const home = tempDir('home');
    const dir = await initPlugin(authorFolder(), home, 'token');
    expect((await run(['plugin', 'build', dir], { home })).code).toBe(0);
    const keyFile = join(tempDir('keys'), 'key.pem');
    writeFileSync(keyFile, generateKeyPair().privateKeyPem);
    const server = createRegistryServer({ root: tempDir('registry'), tokens: ['right'] });
    const url = await server.listen({ host: '127.0.0.1', port: 0 });
    try {
      const args = [
        'plugin',
        'publish',
        dir,
        '--registry',
        url,
        '--key',
        keyFile,
        '--token-env',
        'ACME_TOKEN',
      ];
      const wrong = await run(args, { home, env: { ACME_TOKEN: 'wrong' } });
      expect(wrong.code).toBe(1);
      expect(wrong.stderr).toContain('the registry refused the publish token in $ACME_TOKEN');
      expect(wrong.stderr).toContain('ROKU_REGISTRY_FORBIDDEN');
    } finally {
      await server.close();
    }
  });
});
