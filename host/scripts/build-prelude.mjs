// Bundles the isolate prelude (src/sandbox/isolate-prelude) into one minified IIFE at dist/sandbox/prelude.js.
// The runner reads that file once at startup and evaluates it in every plugin isolate before the plugin.
import { build } from 'esbuild';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writePreludeSnapshot } from './prelude-snapshot.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));

/**
 * core-js's URL parser takes the native Array.from (captured by url.js) in place of core-js's own, which defines
 * every element of the array it builds with Object.defineProperty (see `nativeArrayFrom`).
 */
const nativeArrayFrom = {
  name: 'core-js-native-array-from',
  setup(b) {
    b.onResolve({ filter: /[\\/]internals[\\/]array-from(\.js)?$/ }, (args) =>
      /[\\/]core-js[\\/]/.test(args.importer) ? { path: 'array-from', namespace: 'roku-native' } : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: 'roku-native' }, () => ({
      contents: `module.exports = require(${JSON.stringify(join(root, 'src/sandbox/isolate-prelude/url.js'))}).nativeArrayFrom;`,
      loader: 'js',
      resolveDir: root,
    }));
  },
};

await build({
  absWorkingDir: root,
  entryPoints: ['src/sandbox/isolate-prelude/index.js'],
  outfile: 'dist/sandbox/prelude.js',
  bundle: true,
  format: 'iife',
  // the isolate is neither Node nor a browser: take the browser builds of the polyfills, resolve no built-ins
  platform: 'neutral',
  mainFields: ['module', 'main'],
  conditions: ['browser', 'import', 'default'],
  target: 'es2024',
  minify: true,
  legalComments: 'none',
  logLevel: 'warning',
  plugins: [nativeArrayFrom],
});

writePreludeSnapshot();
