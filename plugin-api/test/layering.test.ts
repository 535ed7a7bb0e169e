/**
 * The SDK's entry points are what a plugin bundle contains, so they must never reach the host, a native module
 * or a Node built-in. This walks the BUILT files (run `pnpm build` first) the way a bundler does: esbuild
 * follows every relative import and every package import through its `exports` map, and its metafile lists
 * each file reached and each import left outside.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));
const ENTRIES = ['dist/index.js', 'dist/runtime/index.js'];
/** What an SDK entry may reach: the SDK itself and the floor it stands on. */
const ALLOWED_PACKAGES = ['@roku/plugin-api', '@roku/schemas'];

/** The name in the package.json nearest to a file. */
function packageOf(file: string): string {
  for (let dir = dirname(file); dir !== dirname(dir); dir = dirname(dir)) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest)) return (JSON.parse(readFileSync(manifest, 'utf8')) as { name: string }).name;
  }
  throw new Error(`${file}: no package.json above it`);
}

async function reach(entry: string): Promise<{ packages: string[]; external: string[] }> {
  const file = join(root, entry);
  if (!existsSync(file)) throw new Error(`${file} is missing: run pnpm build first`);
  const result = await build({
    entryPoints: [file],
    absWorkingDir: root,
    bundle: true,
    write: false,
    metafile: true,
    platform: 'node',
    format: 'esm',
    outdir: join(root, 'dist-layering'),
    logLevel: 'silent',
  });
  const inputs = Object.entries(result.metafile.inputs);
  const packages = new Set(inputs.map(([path]) => packageOf(resolve(root, path))));
  const external = new Set(
    inputs.flatMap(([, input]) => input.imports.filter((i) => i.external === true).map((i) => i.path)),
  );
  return { packages: [...packages].sort(), external: [...external].sort() };
}

describe('the SDK layering', () => {
  it.each(ENTRIES)(
    '%s reaches only the SDK and @roku/schemas: no host, native module or Node built-in',
    async (entry) => {
      const { packages, external } = await reach(entry);
      expect(external).toEqual([]);
      expect(packages.filter((name) => !ALLOWED_PACKAGES.includes(name))).toEqual([]);
      expect(packages).toContain('@roku/plugin-api');
    },
  );

  it('declares no dependency on the host or the test kit', () => {
    const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
      dependencies?: Record<string, string>;
      peerDependencies?: Record<string, string>;
    };
    const declared = Object.keys({ ...manifest.dependencies, ...manifest.peerDependencies });
    expect(
      declared.filter((name) => ['@roku/host', '@roku/plugin-testing', '@roku/cli'].includes(name)),
    ).toEqual([]);
  });
});
