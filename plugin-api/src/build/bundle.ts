import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { build } from 'esbuild';
import type { Message } from 'esbuild';
import { RokuError } from '@roku/schemas/errors';

/** Largest bundle the build step writes; the host refuses larger entries anyway. */
export const MAX_BUNDLE_BYTES = 16 * 1024 * 1024;

export interface BundleOptions {
  /** The plugin folder (holds roku.plugin.json). */
  readonly dir: string;
  /** Source entry, relative to dir; default src/index.ts. Its default export is the plugin definition. */
  readonly source?: string;
  /** Output file, relative to dir; default the manifest's runtime.entry. */
  readonly outFile?: string;
  readonly minify?: boolean;
}

export interface BundleResult {
  readonly outFile: string;
  readonly bytes: number;
  /** The external source map written next to the bundle (`<outFile>.map`), sources relative to it. */
  readonly mapFile?: string;
  readonly warnings: readonly string[];
}

function format(messages: readonly Message[]): string[] {
  return messages.map((m) => {
    const where = m.location === null ? '' : `${m.location.file}:${m.location.line}:${m.location.column}: `;
    return `${where}${m.text}`;
  });
}

/**
 * Bundles a TypeScript or JavaScript plugin into the single-file script an isolate runs: the plugin's
 * default export is served through the ABI. Node built-ins are refused: a sandbox has none.
 *
 * @throws ROKU_PLUGIN_BUILD_FAILED with every esbuild error, each with file, line and column.
 */
export async function bundlePlugin(options: BundleOptions): Promise<BundleResult> {
  const dir = resolve(options.dir);
  const manifest = JSON.parse(readFileSync(join(dir, 'roku.plugin.json'), 'utf8')) as {
    runtime?: { entry?: string };
  };
  const outFile = resolve(dir, options.outFile ?? manifest.runtime?.entry ?? 'dist/plugin.js');
  const source = resolve(dir, options.source ?? 'src/index.ts');
  const stub = [
    `import plugin from ${JSON.stringify(source)};`,
    `import { serve } from '@roku/plugin-api/runtime';`,
    'serve(plugin);',
  ].join('\n');
  try {
    const result = await build({
      stdin: { contents: stub, resolveDir: dir, sourcefile: 'roku-plugin-entry.ts', loader: 'ts' },
      bundle: true,
      write: false,
      format: 'iife',
      platform: 'browser',
      target: 'es2023',
      minify: options.minify ?? false,
      legalComments: 'none',
      logLevel: 'silent',
      // An external map (no sourceMappingURL comment, nothing inlined): the host never reads it, the author's
      // CLI maps a load or call failure's bundle line back to src/…:line:col with it.
      sourcemap: 'external',
      outfile: outFile,
      sourceRoot: '',
      plugins: [
        {
          name: 'roku-no-node-builtins',
          setup(b) {
            b.onResolve({ filter: /^node:/ }, (args) => ({
              errors: [
                { text: `'${args.path}' is a Node built-in; sandboxed plugins use ctx and web APIs instead` },
              ],
            }));
          },
        },
      ],
    });
    const output = result.outputFiles.find((f) => f.path === outFile);
    const map = result.outputFiles.find((f) => f.path === `${outFile}.map`);
    if (output === undefined || map === undefined) throw new Error('esbuild produced no output');
    if (output.contents.byteLength > MAX_BUNDLE_BYTES) {
      throw new RokuError(
        'ROKU_PLUGIN_BUILD_FAILED',
        `${outFile}: bundle is ${output.contents.byteLength} bytes; the limit is ${MAX_BUNDLE_BYTES}`,
      );
    }
    mkdirSync(dirname(outFile), { recursive: true });
    writeFileSync(outFile, output.contents);
    writeFileSync(map.path, map.contents);
    return {
      outFile,
      bytes: output.contents.byteLength,
      mapFile: map.path,
      warnings: format(result.warnings),
    };
  } catch (err) {
    if ((err as { code?: unknown }).code === 'ROKU_PLUGIN_BUILD_FAILED') throw err;
    const errors = (err as { errors?: Message[] }).errors;
    const lines = errors === undefined ? [(err as Error).message] : format(errors);
    throw new RokuError('ROKU_PLUGIN_BUILD_FAILED', `${dir}: build failed:\n  ${lines.join('\n  ')}`, {
      details: { errors: lines },
      cause: err,
    });
  }
}
