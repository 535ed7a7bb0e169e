import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { bundlePlugin } from './bundle.js';
import type { BundleResult } from './bundle.js';

/** Builds a plugin folder according to its manifest's runtime type. */
export async function buildPlugin(dir: string): Promise<BundleResult> {
  const manifest = JSON.parse(readFileSync(join(resolve(dir), 'roku.plugin.json'), 'utf8')) as {
    runtime?: { type?: string };
  };
  if (manifest.runtime?.type === 'wasm') {
    const { compileAssemblyScriptPlugin } = await import('./assemblyscript.js');
    return compileAssemblyScriptPlugin({ dir });
  }
  return bundlePlugin({ dir });
}
