import type { Command } from 'commander';
import type { CliIo } from '../../io.js';
import { cliLogger } from '../../logger.js';
import { initCommand } from './init.js';
import { keygenCommand } from './keygen.js';
import { packCommand } from './pack.js';
import { DEFAULT_TOKEN_ENV, publishCommand } from './publish.js';
import { registryServeCommand } from './registry-serve.js';
import { rotateKeyCommand } from './rotate-key.js';
import { registerPluginTest } from './test.js';
import { registerPluginDev } from './dev.js';
import { registryKeysCommand, registryTrustCommand } from './registry-trust.js';

interface JsonOption {
  readonly json?: boolean;
}

function registerPluginAuthoring(plugin: Command, io: CliIo, setExit: (code: number) => void): void {
  plugin
    .command('keygen')
    .description('write an Ed25519 signing key pair (private key PEM with mode 0600) and print the key id')
    .option('--out <dir>', 'folder for roku-signing.pem and roku-signing.pub (default: $ROKU_HOME/keys)')
    .option('--json', 'print one JSON object')
    .action(async (opts: JsonOption & { out?: string }) => {
      setExit(
        await keygenCommand(io, {
          json: opts.json === true,
          ...(opts.out === undefined ? {} : { out: opts.out }),
        }),
      );
    });

  plugin
    .command('pack')
    .description('pack a built plugin folder into a deterministic archive and print its integrity')
    .argument('[dir]', 'plugin folder', '.')
    .option('--out <file>', 'archive file (default: <scope>-<name>-<version>.tgz in the current folder)')
    .option('--json', 'print one JSON object')
    .action(async (dir: string, opts: JsonOption & { out?: string }) => {
      setExit(
        await packCommand(io, dir, {
          json: opts.json === true,
          ...(opts.out === undefined ? {} : { out: opts.out }),
        }),
      );
    });

  plugin
    .command('publish')
    .description('pack, sign and publish a plugin folder to a directory registry or an HTTP registry')
    .argument('[dir]', 'plugin folder', '.')
    .requiredOption('--registry <url-or-dir>', 'a registry folder (path or file:// URL) or an http(s) URL')
    .requiredOption('--key <private.pem>', 'the Ed25519 private key to sign with (from roku plugin keygen)')
    .option('--token-env <name>', 'environment variable holding the HTTP publish token', DEFAULT_TOKEN_ENV)
    .option('--json', 'print one JSON object')
    .action(async (dir: string, opts: JsonOption & { registry: string; key: string; tokenEnv: string }) => {
      setExit(
        await publishCommand(io, dir, {
          registry: opts.registry,
          key: opts.key,
          tokenEnv: opts.tokenEnv,
          json: opts.json === true,
        }),
      );
    });

  plugin
    .command('rotate-key')
    .description(
      'sign, with the old key, that a plugin moves to a new publisher key (roku.key-rotation.json)',
    )
    .argument('[dir]', 'plugin folder', '.')
    .requiredOption('--from <old.pem>', 'the current (old) private key')
    .requiredOption('--to <new.pub>', 'the new public key: ed25519:… or a .pub file')
    .option('--json', 'print one JSON object')
    .action(async (dir: string, opts: JsonOption & { from: string; to: string }) => {
      setExit(await rotateKeyCommand(io, dir, { from: opts.from, to: opts.to, json: opts.json === true }));
    });

  plugin
    .command('init')
    .description('scaffold a tested plugin of one kind in a new or empty folder')
    .argument('<dir>', 'folder to create')
    .option('--kind <kind>', 'tool, provider, memory, context, subagent or bridge', 'tool')
    .option('--lang <lang>', 'ts (isolate) or assemblyscript (wasm; tools only)')
    .option('--runtime <runtime>', 'isolate or wasm (same as --lang ts|assemblyscript)', 'isolate')
    .option('--json', 'print one JSON object')
    .action(async (dir: string, opts: JsonOption & { runtime: string; kind: string; lang?: string }) => {
      setExit(
        await initCommand(io, dir, {
          runtime: opts.runtime,
          kind: opts.kind,
          json: opts.json === true,
          ...(opts.lang === undefined ? {} : { lang: opts.lang }),
        }),
      );
    });
}

function registerRegistry(program: Command, io: CliIo, setExit: (code: number) => void): Command {
  const registry = program.command('registry').description('serve a plugin registry and manage trusted keys');
  registry
    .command('serve')
    .description('serve a directory registry over HTTP until SIGINT or SIGTERM')
    .option('--dir <root>', 'registry folder (default: $ROKU_HOME/registry)')
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--port <port>', 'port to listen on (0 picks a free one)', '7421')
    .option(
      '--token-env <name>',
      'environment variable holding the publish tokens, comma-separated',
      DEFAULT_TOKEN_ENV,
    )
    .option(
      '--index-key <file>',
      'Ed25519 private key (PEM, e.g. from roku keygen) signing every index served',
    )
    .option('--index-ttl-hours <hours>', 'hours a signed index document stays valid', '24')
    .action(
      async (opts: {
        dir?: string;
        host: string;
        port: string;
        tokenEnv: string;
        indexKey?: string;
        indexTtlHours: string;
      }) => {
        const config = program.opts<{ config?: string }>().config;
        const logger = cliLogger(io, config).child({ command: 'registry serve' });
        setExit(
          await registryServeCommand(io, {
            host: opts.host,
            port: opts.port,
            tokenEnv: opts.tokenEnv,
            logger,
            indexTtlHours: opts.indexTtlHours,
            ...(opts.indexKey === undefined ? {} : { indexKey: opts.indexKey }),
            ...(opts.dir === undefined ? {} : { dir: opts.dir }),
          }),
        );
      },
    );
  registry
    .command('trust')
    .description('trust a publisher key (ed25519:… or a .pub file) for installs; prints its key id')
    .argument('<public-key>', 'the public key, or a file holding it')
    .option('--json', 'print one JSON object')
    .action(async (key: string, opts: JsonOption) => {
      setExit(await registryTrustCommand(io, key, { json: opts.json === true }));
    });
  registry
    .command('keys')
    .description('list the trusted publisher keys')
    .option('--json', 'print one JSON object')
    .action(async (opts: JsonOption) => {
      setExit(await registryKeysCommand(io, { json: opts.json === true }));
    });
  return registry;
}

/**
 * Adds the authoring commands (`roku plugin keygen|pack|publish|init`) and `roku registry serve|trust|keys`.
 * Errors reach `main`, which prints them with their code; with `--json` they are printed as
 * `{ ok: false, error: { code, message, details } }`.
 */
export function registerAuthorCommands(
  program: Command,
  plugin: Command,
  io: CliIo,
  setExit: (code: number) => void,
): void {
  registerPluginAuthoring(plugin, io, setExit);
  registerPluginTest(plugin, io, setExit);
  registerPluginDev(program, plugin, io, setExit);
  const registry = registerRegistry(program, io, setExit);
  registry.exitOverride().configureOutput({ writeOut: io.stdout, writeErr: io.stderr });
}
