import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { RokuError } from '@roku/schemas';
import type { CliIo } from '../../io.js';
import type { InitRuntime } from './init-templates.js';
import { initFiles } from './init-templates.js';
import type { InitKind } from './init-kinds.js';
import { INIT_KINDS } from './init-kinds.js';
import { report } from './output.js';

const RUNTIMES: readonly InitRuntime[] = ['isolate', 'wasm'];
/** `--lang` names the runtime by the language an author writes in. */
const LANGS: Readonly<Record<string, InitRuntime>> = { ts: 'isolate', assemblyscript: 'wasm' };

/** The runtime and kind of `roku plugin init` options, or ROKU_CLI_USAGE naming the option and the choices. */
function initChoice(options: { runtime: string; kind?: string; lang?: string }): {
  runtime: InitRuntime;
  kind: InitKind;
} {
  const kind = INIT_KINDS.find((k) => k === (options.kind ?? 'tool'));
  if (kind === undefined) {
    throw new RokuError(
      'ROKU_CLI_USAGE',
      `--kind ${String(options.kind)}: must be one of ${INIT_KINDS.join(', ')}`,
      { details: { kind: options.kind } },
    );
  }
  const runtime =
    options.lang === undefined ? RUNTIMES.find((r) => r === options.runtime) : LANGS[options.lang];
  if (runtime === undefined) {
    throw new RokuError(
      'ROKU_CLI_USAGE',
      options.lang === undefined
        ? `--runtime ${options.runtime}: must be isolate or wasm`
        : `--lang ${options.lang}: must be ts or assemblyscript`,
      { details: { runtime: options.runtime, lang: options.lang } },
    );
  }
  if (runtime === 'wasm' && kind !== 'tool') {
    throw new RokuError(
      'ROKU_CLI_USAGE',
      `--kind ${kind} --lang assemblyscript: the AssemblyScript SDK writes tools only; use --lang ts for a ${kind}`,
      { details: { kind, lang: 'assemblyscript' } },
    );
  }
  return { runtime, kind };
}

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
 * `roku plugin init <dir> [--kind tool|provider|memory|context|subagent|bridge] [--lang ts|assemblyscript]`:
 * scaffolds a plugin of that kind (manifest, source, a test on the SDK test kit, package.json with build,
 * test, pack and publish scripts, README) in a new or empty folder.
 *
 * @throws ROKU_CLI_USAGE for an unknown kind, language or runtime, or a folder that is not empty.
 */
export function initCommand(
  io: CliIo,
  dir: string,
  options: { runtime: string; kind?: string; lang?: string; json: boolean },
): Promise<number> {
  return report(
    io,
    options.json,
    async () => {
      const { runtime, kind } = initChoice(options);
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
      const files = initFiles({ id, runtime, kind });
      for (const [path, text] of Object.entries(files)) {
        const file = join(root, path);
        await mkdir(dirname(file), { recursive: true });
        await writeFile(file, text, { flag: 'wx' });
      }
      return { id, kind, runtime, dir: root, files: Object.keys(files).sort() };
    },
    (r) =>
      `created ${r.id} (${r.kind}, ${r.runtime}) in ${r.dir}\n` +
      `next: cd ${dir} && npm install && npm test   (see README.md for pack and publish)\n`,
  );
}
