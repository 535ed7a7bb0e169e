import { buildPlugin } from '@roku/plugin-api/build';
import type { CliIo } from '../io.js';
import { EXIT } from '../io.js';
import { pluginFolder } from '../plugin-folder.js';

/** `roku plugin build <dir>`: bundles (isolate) or compiles (wasm) a plugin's runtime entry from source. */
export async function pluginBuildCommand(
  io: CliIo,
  dir: string,
  options: { json: boolean },
): Promise<number> {
  const result = await buildPlugin(pluginFolder(io.cwd, dir));
  if (options.json) io.stdout(`${JSON.stringify({ ok: true, ...result })}\n`);
  else io.stdout(`built ${result.outFile} (${result.bytes} bytes)\n`);
  for (const warning of result.warnings) io.stderr(`warning: ${warning}\n`);
  return EXIT.ok;
}
