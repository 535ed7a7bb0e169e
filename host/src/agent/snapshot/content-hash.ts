import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * sha256 of a plugin folder's manifest and entry file: what a rebuild changes. Undefined when either cannot be
 * read (the plugin then fails to load anyway).
 */
export function pluginContentHash(dir: string): string | undefined {
  try {
    const manifestText = readFileSync(join(dir, 'roku.plugin.json'));
    const manifest = JSON.parse(manifestText.toString('utf8')) as { runtime?: { entry?: unknown } };
    const entry = manifest.runtime?.entry;
    if (typeof entry !== 'string') return undefined;
    return createHash('sha256')
      .update(manifestText)
      .update('\0')
      .update(readFileSync(join(dir, entry)))
      .digest('hex');
  } catch {
    return undefined;
  }
}
