import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { MANIFEST_FILE_NAME, RokuError, formatIssues } from '@roku/schemas';
import type { ManifestValidator, PluginManifest } from '@roku/schemas';

/**
 * Reads and validates a plugin folder's manifest before any of its code is touched.
 *
 * @throws ROKU_PLUGIN_MANIFEST_INVALID listing every problem with file and JSON path.
 */
export function readPluginManifest(dir: string, validator: ManifestValidator): PluginManifest {
  const file = join(resolve(dir), MANIFEST_FILE_NAME);
  if (!existsSync(file)) {
    throw new RokuError('ROKU_PLUGIN_MANIFEST_INVALID', `${file}: not found`, {
      details: { file, issues: [] },
    });
  }
  const result = validator.parse(readFileSync(file));
  if (!result.ok) {
    throw new RokuError('ROKU_PLUGIN_MANIFEST_INVALID', formatIssues(file, result.issues).join('\n'), {
      details: { file, issues: result.issues },
    });
  }
  return result.value;
}

/** A folder name for a plugin id: `@acme/weather` → `acme__weather`. */
export function pluginDirName(id: string): string {
  return id.replace(/^@/, '').replace('/', '__');
}
