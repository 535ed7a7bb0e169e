#!/usr/bin/env node
// roku-plugin build [dir]: builds a plugin's runtime entry from source (esbuild bundle or AssemblyScript wasm).
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { buildPlugin } from './build-plugin.js';

const [command, dir = '.'] = process.argv.slice(2);
if (command !== 'build') {
  process.stderr.write('usage: roku-plugin build [dir]\n');
  process.exit(2);
}
try {
  const manifest = JSON.parse(readFileSync(join(resolve(dir), 'roku.plugin.json'), 'utf8')) as {
    id?: string;
  };
  const result = await buildPlugin(dir);
  process.stdout.write(`${manifest.id ?? dir}: built ${result.outFile} (${result.bytes} bytes)\n`);
  for (const warning of result.warnings) process.stderr.write(`warning: ${warning}\n`);
} catch (err) {
  const { code, message } = err as { code?: string; message: string };
  process.stderr.write(`roku-plugin: ${message}${code === undefined ? '' : ` [${code}]`}\n`);
  process.exit(1);
}
