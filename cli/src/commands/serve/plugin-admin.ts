import type { PluginAdmin } from '@roku/server';
import type { Logger } from '@roku/host';
import type { CliIo } from '../../io.js';
import { permissionLines } from '../lifecycle/describe.js';
import { devFoldersOf } from '../lifecycle/index.js';
import { listCommand } from '../lifecycle/manage.js';
import { infoCommand, queryRegistries, searchCommand } from '../lifecycle/query.js';
import { lifecycleInstaller } from '../lifecycle/registries.js';

/** Runs a `--json` lifecycle command and returns the object it printed (so HTTP answers as the CLI does). */
async function jsonOf(io: CliIo, run: (quiet: CliIo) => Promise<number>): Promise<unknown> {
  let out = '';
  const quiet: CliIo = { ...io, stdout: (text) => (out += text), stderr: () => undefined };
  await run(quiet);
  const parsed = JSON.parse(out) as Record<string, unknown>;
  delete parsed.ok;
  return parsed;
}

/** The plugin administration of `roku plugin …`, for the HTTP routes of `roku serve`. */
export function cliPluginAdmin(io: CliIo, configFile: string | undefined, logger: Logger): PluginAdmin {
  return {
    installer: () => lifecycleInstaller(io, logger, configFile, true),
    list: () =>
      jsonOf(io, (quiet) =>
        listCommand(
          quiet,
          lifecycleInstaller(quiet, logger, configFile, false),
          true,
          devFoldersOf(io, configFile),
        ),
      ),
    info: (spec) => jsonOf(io, (quiet) => infoCommand(quiet, queryRegistries(quiet, configFile), spec, true)),
    search: (text) =>
      jsonOf(io, (quiet) => searchCommand(quiet, queryRegistries(quiet, configFile), text, true)),
    permissionLines,
  };
}
