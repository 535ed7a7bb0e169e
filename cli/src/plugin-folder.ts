import { existsSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { RokuError } from '@roku/schemas';

/**
 * The absolute path of a plugin folder named on the command line.
 *
 * @throws ROKU_CLI_NOT_FOUND when it is not a folder, or (with `requireManifest`) has no roku.plugin.json
 */
export function pluginFolder(cwd: string, dir: string, requireManifest = true): string {
  const path = resolve(cwd, dir);
  if (!existsSync(path) || !statSync(path).isDirectory()) {
    throw new RokuError('ROKU_CLI_NOT_FOUND', `${dir}: no such plugin folder`, { details: { path } });
  }
  if (requireManifest && !existsSync(join(path, 'roku.plugin.json'))) {
    throw new RokuError('ROKU_CLI_NOT_FOUND', `${dir}: the folder has no roku.plugin.json`, {
      details: { path },
    });
  }
  return path;
}
