// Bundles the isolate prelude (src/sandbox/isolate-prelude) into one minified IIFE at dist/sandbox/prelude.js.
// The runner reads that file once at startup and evaluates it in every plugin isolate before the plugin.
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';
import { writePreludeSnapshot } from './prelude-snapshot.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));

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
});

writePreludeSnapshot();
