import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildPlugin } from '@roku/plugin-api/build';
import { MANIFEST_FILE_NAME, RokuError, createManifestValidator, formatIssues } from '@roku/schemas';
import type { CliIo } from '../io.js';
import { EXIT } from '../io.js';
import { pluginFolder } from '../plugin-folder.js';

/**
 * A manifest that does not validate is refused before building: the bundle could never load.
 *
 * @throws ROKU_CLI_MANIFEST_INVALID listing every problem with its JSON path
 */
function checkManifest(file: string): void {
  const result = createManifestValidator().parse(readFileSync(file));
  if (result.ok) return;
  throw new RokuError(
    'ROKU_CLI_MANIFEST_INVALID',
    `${formatIssues(file, result.issues).join('\n')}\nfix the manifest (roku plugin validate ${file}) and build again`,
    { details: { file, issues: result.issues } },
  );
}

/** `roku plugin build <dir>`: bundles (isolate) or compiles (wasm) a plugin's runtime entry from source. */
export async function pluginBuildCommand(
  io: CliIo,
  dir: string,
  options: { json: boolean },
): Promise<number> {
  const folder = pluginFolder(io.cwd, dir);
  checkManifest(join(folder, MANIFEST_FILE_NAME));
  const result = await buildPlugin(folder);
  if (options.json) io.stdout(`${JSON.stringify({ ok: true, ...result })}\n`);
  else io.stdout(`built ${result.outFile} (${result.bytes} bytes)\n`);
  for (const warning of result.warnings) io.stderr(`warning: ${warning}\n`);
  return EXIT.ok;
}
