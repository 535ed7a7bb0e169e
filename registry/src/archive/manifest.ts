import type { ManifestValidator, PluginManifest } from '@roku/schemas';
import { MANIFEST_FILE_NAME, RokuError, formatIssues } from '@roku/schemas';

/**
 * Parses and validates manifest bytes read from `where` (a folder or an archive).
 *
 * @throws ROKU_REGISTRY_MANIFEST_INVALID with every issue under `details.issues`.
 */
export function readManifest(validator: ManifestValidator, bytes: Uint8Array, where: string): PluginManifest {
  const result = validator.parse(bytes);
  if (result.ok) return result.value;
  const file = `${where}/${MANIFEST_FILE_NAME}`;
  throw new RokuError(
    'ROKU_REGISTRY_MANIFEST_INVALID',
    formatIssues(file, result.issues).slice(0, 5).join('; '),
    {
      details: { file, issues: result.issues },
    },
  );
}

/** The runtime entry as a package path: `./dist/plugin.js` and `dist/plugin.js` name the same file. */
export function entryPath(manifest: PluginManifest): string {
  return manifest.runtime.entry.replace(/^(\.\/)+/, '');
}
