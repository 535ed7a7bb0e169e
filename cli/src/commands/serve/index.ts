import type { Command } from 'commander';
import { DEFAULT_HOST, DEFAULT_PORT } from '@roku/server';
import type { CliIo } from '../../io.js';
import { serveCommand } from './serve.js';
import type { ServeFlags } from './serve.js';
import { tokenCreateCommand, tokenListCommand, tokenRevokeCommand } from './tokens.js';

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** Adds `serve` and `token create|list|revoke`. */
export function registerServeCommands(program: Command, io: CliIo, setExit: (code: number) => void): void {
  const configFile = (): string | undefined => program.opts<{ config?: string }>().config;
  program
    .command('serve')
    .description(
      'serve the agent over HTTP: sessions, runs (SSE), approvals, plugin admin, an OpenAI-compatible API, metrics',
    )
    .option(
      '--host <address>',
      `address to listen on (default ${DEFAULT_HOST}; another needs an access token to exist)`,
    )
    .option('--port <n>', `port (default ${DEFAULT_PORT}; 0 picks a free one)`)
    .option('--body-limit <bytes>', 'largest request body (default 1048576)')
    .option('--rate-limit <n>', 'requests per token per minute (default 600)')
    .option('--grace <ms>', 'on shutdown, how long runs may take to finish (default 30000)')
    .option(
      '--otlp <url>',
      'export OpenTelemetry traces (GenAI spans) to this OTLP/HTTP endpoint (also OTEL_EXPORTER_OTLP_TRACES_ENDPOINT); off by default',
    )
    .option(
      '--webhook-origin <origin...>',
      'origins run webhooks may call, e.g. https://hooks.example.com (none by default: webhooks are refused)',
    )
    .action(async (opts: ServeFlags) => {
      setExit(await serveCommand(io, configFile(), opts));
    });

  const token = program.command('token').description('access tokens of roku serve (stored hashed)');
  token
    .command('create')
    .description('create a token and print it once')
    .requiredOption(
      '--scope <scope>',
      'chat, approvals, admin or metrics (repeatable, or comma-separated)',
      collect,
      [],
    )
    .option('--name <name>', 'what the token is for', 'token')
    .option('--json', 'print one JSON object')
    .action((opts: { scope: string[]; name: string; json?: boolean }) => {
      setExit(
        tokenCreateCommand(io, configFile(), {
          name: opts.name,
          scopes: opts.scope,
          json: opts.json === true,
        }),
      );
    });
  token
    .command('list')
    .description('tokens: id, name, scopes, created, last used, revoked')
    .option('--json', 'print one JSON object')
    .action((opts: { json?: boolean }) => {
      setExit(tokenListCommand(io, configFile(), opts.json === true));
    });
  token
    .command('revoke')
    .description('revoke a token; it stops working at once')
    .argument('<id>', 'token id (roku token list)')
    .option('--json', 'print one JSON object')
    .action((id: string, opts: { json?: boolean }) => {
      setExit(tokenRevokeCommand(io, configFile(), id, opts.json === true));
    });
}
