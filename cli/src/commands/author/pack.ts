import { writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { packPlugin } from '@roku/registry';
import type { CliIo } from '../../io.js';
import { pluginFolder } from '../../plugin-folder.js';
import { archiveFileName, report } from './output.js';

export interface PackResult {
  readonly id: string;
  readonly version: string;
  readonly file: string;
  readonly integrity: string;
  readonly size: number;
  readonly files: number;
}

/** `roku plugin pack`: writes the deterministic archive of a built plugin folder. */
export function packCommand(
  io: CliIo,
  dir: string,
  options: { out?: string; json: boolean },
): Promise<number> {
  return report(
    io,
    options.json,
    async (): Promise<PackResult> => {
      const packed = await packPlugin(
        // the registry names a missing manifest itself (ROKU_REGISTRY_MANIFEST_MISSING)
        pluginFolder(io.cwd, dir, false),
      );
      const { id, version } = packed.manifest;
      const file =
        options.out === undefined ? join(io.cwd, archiveFileName(id, version)) : resolve(io.cwd, options.out);
      await writeFile(file, packed.bytes);
      return {
        id,
        version,
        file,
        integrity: packed.integrity,
        size: packed.bytes.byteLength,
        files: packed.files.length,
      };
    },
    (r) =>
      `packed ${r.id}@${r.version} → ${r.file}\n` +
      `integrity ${r.integrity}\nsize      ${r.size} bytes, ${r.files} files\n`,
  );
}
