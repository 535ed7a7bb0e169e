import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { RokuError } from '@roku/schemas';
import type { CliIo } from '../../io.js';
import type { InitRuntime } from './init-templates.js';
import { initFiles } from './init-templates.js';
import { report } from './output.js';

const RUNTIMES: readonly InitRuntime[] = ['isolate', 'wasm'];

/** A plugin id for a folder name: `My Tool` → `@local/my-tool`. */
export function idForFolder(dir: string): string {
  const name = basename(dir)
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, '-')
    .replace(/^[^a-z0-9]+/, '')
    .replace(/-+$/, '');
  return `@local/${name === '' ? 'plugin' : name}`;
}

async function isEmptyOrMissing(dir: string): Promise<boolean> {
  try {
    return (await readdir(dir)).length === 0;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return true;
    throw err;
  }
}

/**
 * `roku plugin init <dir>`: scaffolds a minimal tool plugin (manifest, source, package.json, README) in a
 * new or empty folder.
 *
 * @throws ROKU_CLI_USAGE for an unknown runtime or a folder that is not empty.
 */
export function initCommand(
  io: CliIo,
  dir: string,
  options: { runtime: string; json: boolean },
): Promise<number> {
  return report(
    io,
    options.json,
    async () => {
      const runtime = RUNTIMES.find((r) => r === options.runtime);
      if (runtime === undefined) {
        throw new RokuError('ROKU_CLI_USAGE', `--runtime ${options.runtime}: must be isolate or wasm`, {
          details: { runtime: options.runtime },
        });
      }
      const root = resolve(io.cwd, dir);
      if (!(await isEmptyOrMissing(root))) {
        throw new RokuError(
          'ROKU_CLI_USAGE',
          `${root}: is not empty; init writes into a new or empty folder`,
          {
            details: { dir: root },
          },
        );
      }
      const id = idForFolder(root);
      const files = initFiles({ id, runtime });
      for (const [path, text] of Object.entries(files)) {
        const file = join(root, path);
        await mkdir(dirname(file), { recursive: true });
        await writeFile(file, text, { flag: 'wx' });
      }
      return { id, runtime, dir: root, files: Object.keys(files).sort() };
    },
    (r) =>
      `created ${r.id} (${r.runtime}) in ${r.dir}\n` +
      `next: roku plugin build ${dir} && roku plugin call ${dir} greet '{"name":"Ada"}'\n`,
  );
}
