import { readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { KEY_ROTATION_FILE, keyId, signKeyRotation } from '@roku/registry';
import { MANIFEST_FILE_NAME, RokuError, parseStrictJson } from '@roku/schemas';
import type { CliIo } from '../../io.js';
import { pluginFolder } from '../../plugin-folder.js';
import { report } from './output.js';

async function readText(file: string, what: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    throw new RokuError(
      'ROKU_CLI_NOT_FOUND',
      `${file}: cannot read the ${what} (${(err as Error).message})`,
      {
        details: { path: file },
        cause: err,
      },
    );
  }
}

/**
 * `roku plugin rotate-key <dir> --from <old.pem> --to <new.pub>`: writes `roku.key-rotation.json`, the old
 * key's signed consent that the plugin is now published with the new key. Publish the next release signed by
 * the new key with this file in it: installs bound to the old key accept it and move to the new key.
 *
 * @throws ROKU_CLI_NOT_FOUND, ROKU_REGISTRY_BAD_KEY
 */
export function rotateKeyCommand(
  io: CliIo,
  dir: string,
  options: { from: string; to: string; json: boolean },
): Promise<number> {
  return report(
    io,
    options.json,
    async () => {
      const folder = pluginFolder(io.cwd, dir);
      const manifest = parseStrictJson(await readText(join(folder, MANIFEST_FILE_NAME), 'manifest')) as {
        id?: unknown;
      };
      const pluginId = typeof manifest.id === 'string' ? manifest.id : '';
      const oldKey = await readText(resolve(io.cwd, options.from), 'old private key');
      const newKey = options.to.startsWith('ed25519:')
        ? options.to
        : (await readText(resolve(io.cwd, options.to), 'new public key')).trim();
      const statement = signKeyRotation(pluginId, oldKey, newKey);
      const file = join(folder, KEY_ROTATION_FILE);
      await writeFile(file, `${JSON.stringify(statement, null, 2)}\n`);
      return { file, pluginId, from: statement.from, to: keyId(newKey) };
    },
    (r) =>
      `wrote ${r.file}: ${r.pluginId} moves from key ${r.from} to ${r.to}; publish the next release signed by ${r.to} with it\n`,
  );
}
