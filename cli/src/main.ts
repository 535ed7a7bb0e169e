import { Command, CommanderError } from 'commander';
import { RokuError, isRokuError } from '@roku/schemas';
import type { CliIo } from './io.js';
import { EXIT } from './io.js';
import { doctorCommand } from './commands/doctor.js';
import { pluginValidateCommand } from './commands/plugin-validate.js';
import { pluginBuildCommand } from './commands/plugin-build.js';
import { pluginCallCommand } from './commands/plugin-call.js';
import { registerLifecycleCommands } from './commands/lifecycle/index.js';
import { registerAuthorCommands } from './commands/author/index.js';
import { registerAgentCommands } from './commands/agent/index.js';
import { printJsonFailure } from './json-failure.js';
import { cliLogger } from './logger.js';

const VERSION = '0.1.0';

function usageError(err: CommanderError): RokuError {
  return new RokuError('ROKU_CLI_USAGE', err.message.replace(/^error: /, ''), {
    details: { reason: err.code },
  });
}

function buildProgram(io: CliIo, setExit: (code: number) => void, onJson: (json: boolean) => void): Command {
  const program = new Command('roku')
    .description('Roku: an LLM agent built from sandboxed, versioned, hot-swappable plugins.')
    .version(VERSION)
    .option('--config <file>', 'host configuration file (default: $ROKU_HOME/config.json)')
    .showHelpAfterError()
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    // Which output a failure gets: the JSON failure on stdout, or `roku: message [CODE]` on stderr.
    .hook('preAction', (_program, action) => {
      onJson(action.opts<{ json?: boolean }>().json === true);
    });

  program
    .command('doctor')
    .description('check Node, the config, the data dir, SQLite and both sandbox engines')
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

  registerAuthorCommands(program, plugin, io, setExit);

  registerLifecycleCommands(plugin, program, io, setExit);

  registerAgentCommands(program, io, setExit);

  for (const command of [program, plugin])
    command.exitOverride().configureOutput({ writeOut: io.stdout, writeErr: io.stderr });
  return program;
}

/**
 * Runs the CLI with `argv` (without node and script) and returns the exit code; never throws. A failure prints
 * `roku: message [CODE]` on stderr, or with `--json` the one failure object of json-failure.ts on stdout.
 */
export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  let exitCode: number = EXIT.ok;
  // Until an action starts, `--json` anywhere on the line asks for the JSON failure (e.g. a usage error).
  let json = argv.includes('--json');
  const program = buildProgram(
    io,
    (code) => {
      exitCode = code;
    },
    (actionJson) => {
      json = actionJson;
    },
  );
  try {
    if (argv.length === 0) {
      program.outputHelp();
      return EXIT.ok;
    }
    await program.parseAsync([...argv], { from: 'user' });
    return exitCode;
  } catch (err) {
    if (err instanceof CommanderError) {
      const shown = ['commander.helpDisplayed', 'commander.version', 'commander.help'].includes(err.code);
      if (shown) return EXIT.ok;
      // commander has already explained the problem on stderr
      if (json) printJsonFailure(io, usageError(err));
      return EXIT.usage;
    }
    if (json) {
      printJsonFailure(io, err);
      if (!isRokuError(err) && io.env.ROKU_DEBUG === '1') io.stderr(`${(err as Error).stack ?? ''}\n`);
      return isRokuError(err) && err.code === 'ROKU_CLI_USAGE' ? EXIT.usage : EXIT.failed;
    }
    if (isRokuError(err)) {
      io.stderr(`roku: ${err.message} [${err.code}]\n`);
      return err.code === 'ROKU_CLI_USAGE' ? EXIT.usage : EXIT.failed;
    }
    io.stderr(`roku: internal error: ${(err as Error).message} [ROKU_CLI_INTERNAL]\n`);
    if (io.env.ROKU_DEBUG === '1') io.stderr(`${(err as Error).stack ?? ''}\n`);
    return EXIT.failed;
  }
}
