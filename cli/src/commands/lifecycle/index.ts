import { dirname, isAbsolute, resolve } from 'node:path';
import type { Command } from 'commander';
import type { Installer } from '@roku/host';
import type { CliIo } from '../../io.js';
import { cliLogger } from '../../logger.js';
import { lifecycleInstaller } from './registries.js';
import { installSpecs, updateSpecs } from './install.js';
import type { InstallFlags } from './install.js';
import { listCommand, setEnabledCommand, uninstallCommand, verifyCommand } from './manage.js';
import type { DevFolders } from './manage.js';
import { cliConfig } from '../../config.js';
import { infoCommand, outdatedCommand, queryRegistries, searchCommand } from './query.js';

export type { LifecycleIo } from './prompt.js';

interface InstallOpts {
  yes?: boolean;
  frozen?: boolean;
  allowDowngrade?: boolean;
  allowUnsigned?: string[];
  acceptNewKey?: string[];
  dryRun?: boolean;
  json?: boolean;
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

function flagsOf(opts: InstallOpts): InstallFlags {
  return {
    yes: opts.yes === true,
    frozen: opts.frozen === true,
    allowDowngrade: opts.allowDowngrade === true,
    allowUnsigned: opts.allowUnsigned ?? [],
    acceptNewKey: opts.acceptNewKey ?? [],
    dryRun: opts.dryRun === true,
    json: opts.json === true,
  };
}

function consentOptions(command: Command): Command {
  return command
    .option('--yes', 'grant the permissions shown without asking (required without a terminal)')
    .option('--frozen', 'install exactly what roku.lock holds, or fail')
    .option('--allow-downgrade', 'allow replacing an installed version by a lower one')
    .option(
      '--allow-unsigned <id>',
      'accept this plugin unsigned or signed by an untrusted key (repeatable)',
      collect,
      [],
    )
    .option(
      '--accept-new-key <id>',
      'accept an update of this plugin signed by a trusted key other than its publisher key (repeatable)',
      collect,
      [],
    )
    .option('--dry-run', 'print the plan and change nothing')
    .option('--json', 'print one JSON object');
}

/** The dev plugin folders of the host config (absolute), to list beside installed plugins. */
export function devFoldersOf(io: CliIo, configFile: string | undefined): DevFolders {
  const { config, file, home } = cliConfig(io, configFile);
  const base = file === undefined ? home : dirname(file);
  return {
    dirs: (config.plugins?.devDirs ?? []).map((d) => (isAbsolute(d) ? d : resolve(base, d))),
    overrides: config.plugins?.devOverrides ?? [],
  };
}

/**
 * Adds `install`, `uninstall`, `update`, `list`, `verify`, `enable`, `disable`, `search`, `info` and
 * `outdated` to the `plugin` command.
 * Each action reports its exit code through `setExit`; failures throw RokuError for `main` to print.
 *
 * @example
 * registerLifecycleCommands(plugin, program, io, setExit);
 */
export function registerLifecycleCommands(
  plugin: Command,
  program: Command,
  io: CliIo,
  setExit: (code: number) => void,
): void {
  const installerFor = (name: string, needsRegistry: boolean): Installer => {
    const config = program.opts<{ config?: string }>().config;
    const log = cliLogger(io, config).child({ command: `plugin ${name}` });
    return lifecycleInstaller(io, log, config, needsRegistry);
  };
  const registries = () => queryRegistries(io, program.opts<{ config?: string }>().config);
  const devFolders = (): DevFolders => devFoldersOf(io, program.opts<{ config?: string }>().config);

  consentOptions(
    plugin
      .command('install')
      .description('install plugins from the registries, after showing what each may do')
      .argument('<specs...>', 'plugin specs like @scope/name, @scope/name@^1.2 or @scope/name@beta'),
  ).action(async (specs: string[], opts: InstallOpts) => {
    setExit(await installSpecs(io, installerFor('install', true), specs, flagsOf(opts), 'installed'));
  });

  consentOptions(
    plugin
      .command('update')
      .description('update installed plugins to their latest version, asking again for new permissions')
      .argument('[ids...]', 'installed plugin ids')
      .option('--all', 'update every plugin installed on request'),
  ).action(async (ids: string[], opts: InstallOpts & { all?: boolean }) => {
    const installer = installerFor('update', true);
    const specs = await updateSpecs(installer, ids, opts.all === true);
    setExit(await installSpecs(io, installer, specs, flagsOf(opts), 'updated'));
  });

  plugin
    .command('uninstall')
    .description('remove an installed plugin')
    .argument('<id>', 'plugin id')
    .option('--json', 'print one JSON object')
    .action(async (id: string, opts: { json?: boolean }) => {
      setExit(await uninstallCommand(io, installerFor('uninstall', false), id, opts.json === true));
    });

  plugin
    .command('list')
    .description('list installed plugins: id, version, enabled and registry')
    .option('--json', 'print one JSON object')
    .action(async (opts: { json?: boolean }) => {
      setExit(await listCommand(io, installerFor('list', false), opts.json === true, devFolders()));
    });

  plugin
    .command('verify')
    .description('re-hash installed plugin files; exit 1 when anything was modified')
    .option('--json', 'print one JSON object')
    .action(async (opts: { json?: boolean }) => {
      setExit(await verifyCommand(io, installerFor('verify', false), opts.json === true));
    });

  plugin
    .command('search')
    .description('search every registry that supports it: id, latest version and description')
    .argument('<text>', 'text to find in plugin ids, descriptions and contribution names')
    .option('--json', 'print one JSON object')
    .action(async (text: string, opts: { json?: boolean }) => {
      setExit(await searchCommand(io, registries(), text, opts.json === true));
    });

  plugin
    .command('info')
    .description("show a plugin's versions, dist-tags and what the selected version may do")
    .argument('<spec>', 'a plugin spec like @scope/name, @scope/name@^1.2 or @scope/name@beta')
    .option('--json', 'print one JSON object')
    .action(async (spec: string, opts: { json?: boolean }) => {
      setExit(await infoCommand(io, registries(), spec, opts.json === true));
    });

  plugin
    .command('outdated')
    .description('compare installed plugins with the newest version their registry offers (exit 0)')
    .option('--json', 'print one JSON object')
    .action(async (opts: { json?: boolean }) => {
      setExit(await outdatedCommand(io, installerFor('outdated', false), registries(), opts.json === true));
    });

  for (const [name, enabled] of [
    ['enable', true],
    ['disable', false],
  ] as const) {
    plugin
      .command(name)
      .description(`${name} an installed plugin`)
      .argument('<id>', 'plugin id')
      .option('--json', 'print one JSON object')
      .action(async (id: string, opts: { json?: boolean }) => {
        setExit(await setEnabledCommand(io, installerFor(name, false), id, enabled, opts.json === true));
      });
  }
}
