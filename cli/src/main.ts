import { Command, CommanderError, Option } from 'commander';
import { isRokuError } from '@roku/schemas';
import { diskFullFailure, resolveHome } from '@roku/host';
import type { CliIo } from './io.js';
import { EXIT } from './io.js';
import { doctorCommand } from './commands/doctor.js';
import { pluginValidateCommand } from './commands/plugin-validate.js';
import { pluginBuildCommand } from './commands/plugin-build.js';
import { pluginCallCommand } from './commands/plugin-call.js';
import { registerLifecycleCommands } from './commands/lifecycle/index.js';
import { registerAuthorCommands } from './commands/author/index.js';
import { registerAgentCommands } from './commands/agent/index.js';
import { registerAuthCommands } from './commands/auth/index.js';
import { smokeCommand } from './commands/smoke.js';
import { registerServeCommands } from './commands/serve/index.js';
import { registerMcpCommands } from './commands/mcp/index.js';
import { registerSkillCommands } from './commands/skill/index.js';
import { printJsonFailure } from './json-failure.js';
import { LOG_FORMATS, chooseLogging, cliLogger, finishLogging, logFormatOf } from './logger.js';
import { checkHomeFor } from './startup.js';
import { commandPath, isShownOnRequest, printUsageError, routeUsageErrors, usageError } from './usage.js';

export const VERSION = '0.1.0';

/** What the action about to run is: its path for messages, and whether it prints JSON. */
interface Invocation {
  path: string;
  json: boolean;
}

function registerPluginTools(
  program: Command,
  plugin: Command,
  io: CliIo,
  setExit: (code: number) => void,
): void {
  plugin
    .command('validate')
    .description('validate plugin manifests (a plugin folder or a roku.plugin.json file each)')
    .argument('<paths...>', 'plugin folders or manifest files')
    .option('--json', 'print one JSON object')
    .action((paths: string[], opts: { json?: boolean }) => {
      setExit(pluginValidateCommand(io, paths, { json: opts.json === true }));
    });

  plugin
    .command('build')
    .description('build a plugin folder: bundle TypeScript for an isolate, or compile AssemblyScript to wasm')
    .argument('[dir]', 'plugin folder', '.')
    .option('--json', 'print one JSON object')
    .action(async (dir: string, opts: { json?: boolean }) => {
      setExit(await pluginBuildCommand(io, dir, { json: opts.json === true }));
    });

  plugin
    .command('call')
    .description(
      'load a built plugin folder into the sandbox and call one tool (or an operation such as provider:x:chat)',
    )
    .argument('<dir>', 'plugin folder')
    .argument('<tool>', 'tool name, or a full operation like provider:openai:chat')
    .argument('[input]', 'input as JSON', '{}')
    .option('--settings <json>', "the plugin's settings (default: plugins.settings from the host config)")
    .option('--json', 'print one JSON object with the result and emitted events')
    .action(async (dir: string, tool: string, input: string, opts: { json?: boolean; settings?: string }) => {
      const config = program.opts<{ config?: string }>().config;
      const log = cliLogger(io, config).child({ command: 'plugin call' });
      setExit(
        await pluginCallCommand(io, log, dir, tool, input, {
          json: opts.json === true,
          ...(config === undefined ? {} : { config }),
          ...(opts.settings === undefined ? {} : { settings: opts.settings }),
        }),
      );
    });
}

function buildProgram(io: CliIo, setExit: (code: number) => void, invocation: Invocation): Command {
  const program = new Command('roku')
    .description(
      'Roku: an LLM agent built from sandboxed, versioned, hot-swappable plugins. Without a command, checks that this installation works.',
    )
    .version(VERSION)
    .option('--config <file>', 'host configuration file (default: $ROKU_HOME/config.json)')
    .addOption(
      new Option(
        '--log-format <format>',
        'text: readable warnings on stderr, JSON records in the log file; json: JSON records on stderr (also ROKU_LOG_FORMAT)',
      ).choices(LOG_FORMATS),
    )
    // Before any action: which failure output it gets, how it logs, and whether ROKU_HOME is usable.
    .hook('preAction', (_program, action) => {
      invocation.path = commandPath(action);
      const opts = action.opts<{ json?: boolean; pipe?: boolean }>();
      invocation.json = opts.json === true;
      const flag = program.opts<{ logFormat?: string }>().logFormat;
      chooseLogging(io, {
        format: logFormatOf(flag, io.env),
        quiet: invocation.json,
        pipe: opts.pipe === true,
      });
      checkHomeFor(invocation.path, io);
    });

  program
    .command('doctor')
    .description(
      'check Node, the config, the data dir, SQLite, both sandbox engines, plugin settings and quarantines',
    )
    .option('--json', 'print one JSON object')
    .action(async (opts: { json?: boolean }) => {
      const config = program.opts<{ config?: string }>().config;
      setExit(
        await doctorCommand(io, cliLogger(io, config).child({ command: 'doctor' }), {
          json: opts.json === true,
          ...(config === undefined ? {} : { config }),
        }),
      );
    });

  const plugin = program.command('plugin').description('author and manage plugins');
  registerPluginTools(program, plugin, io, setExit);
  registerAuthorCommands(program, plugin, io, setExit);
  registerLifecycleCommands(plugin, program, io, setExit);
  registerAgentCommands(program, io, setExit);
  registerAuthCommands(program, io, setExit);
  registerServeCommands(program, io, setExit);
  registerMcpCommands(program, io, setExit);
  registerSkillCommands(program, io, setExit);
  routeUsageErrors(program, io);
  return program;
}

/** Prints a failure the documented way and returns its exit code. */
function report(io: CliIo, err: unknown, invocation: Invocation): number {
  const usage = isRokuError(err) && err.code === 'ROKU_CLI_USAGE';
  if (invocation.json) {
    printJsonFailure(io, err);
    if (!isRokuError(err) && io.env.ROKU_DEBUG === '1') io.stderr(`${(err as Error).stack ?? ''}\n`);
    return usage ? EXIT.usage : EXIT.failed;
  }
  if (usage) {
    const help = (err as { details?: { help?: unknown } }).details?.help;
    printUsageError(io, err, typeof help === 'string' ? help.replace(/ --help$/, '') : invocation.path);
    return EXIT.usage;
  }
  if (isRokuError(err)) {
    io.stderr(`roku: ${err.message} [${err.code}]\n`);
    return EXIT.failed;
  }
  io.stderr(`roku: internal error: ${(err as Error).message} [ROKU_CLI_INTERNAL]\n`);
  if (io.env.ROKU_DEBUG === '1') io.stderr(`${(err as Error).stack ?? ''}\n`);
  return EXIT.failed;
}

/**
 * Runs the CLI with `argv` (without node and script) and returns the exit code; never throws. A failure prints
 * `roku: message [CODE]` on stderr (a usage error adds `see: roku <command> --help`), or with `--json` the one
 * failure object of json-failure.ts on stdout. Without arguments it runs the self-check (`commands/smoke.ts`).
 */
export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  let exitCode: number = EXIT.ok;
  // Until an action starts, `--json` anywhere on the line asks for the JSON failure (e.g. a usage error).
  const invocation: Invocation = { path: 'roku', json: argv.includes('--json') };
  let homeBlamed = false;
  try {
    if (argv.length === 0) {
      chooseLogging(io, { format: logFormatOf(undefined, io.env), quiet: false });
      return await smokeCommand(io, VERSION);
    }
    const program = buildProgram(io, (code) => (exitCode = code), invocation);
    await program.parseAsync([...argv], { from: 'user' });
    return exitCode;
  } catch (caught) {
    if (caught instanceof CommanderError && isShownOnRequest(caught)) return EXIT.ok;
    let err = caught instanceof CommanderError ? usageError(caught) : caught;
    // SQLite often reports a full disk as a plain I/O error: say what it is.
    err = diskFullFailure(resolveHome(io.env), err) ?? err;
    homeBlamed = isRokuError(err) && err.code === 'ROKU_HOME_UNUSABLE';
    return report(io, err, invocation);
  } finally {
    finishLogging(io, { homeAlreadyBlamed: homeBlamed });
  }
}
