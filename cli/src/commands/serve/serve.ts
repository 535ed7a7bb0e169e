import { startServer } from '@roku/server';
import { RokuError } from '@roku/schemas';
import { cliConfig } from '../../config.js';
import type { CliIo } from '../../io.js';
import { EXIT } from '../../io.js';
import { runtimeOptions } from '../agent/context.js';
import { cliPluginAdmin } from './plugin-admin.js';

export interface ServeFlags {
  readonly host?: string;
  readonly port?: string;
  readonly bodyLimit?: string;
  readonly rateLimit?: string;
  readonly grace?: string;
  readonly otlp?: string;
  readonly webhookOrigin?: string[];
}

function integer(flag: string, value: string | undefined, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new RokuError(
      'ROKU_CLI_USAGE',
      `serve: ${flag} must be an integer from ${min} to ${max}, not "${value}"`,
    );
  }
  return n;
}

/**
 * `roku serve`: runs the HTTP API until SIGINT or SIGTERM, then shuts down gracefully (runs in flight get the
 * grace period to finish, then are interrupted with their checkpoint kept). Prints `listening on <url>`.
 */
export async function serveCommand(
  io: CliIo,
  configFile: string | undefined,
  flags: ServeFlags,
): Promise<number> {
  const { home } = cliConfig(io, configFile);
  const options = runtimeOptions(io, configFile, 'serve');
  const port = integer('--port', flags.port, 0, 65535);
  const bodyLimit = integer('--body-limit', flags.bodyLimit, 1024, 64 * 1024 * 1024);
  const rate = integer('--rate-limit', flags.rateLimit, 1, 1_000_000);
  const grace = integer('--grace', flags.grace, 0, 3_600_000);
  const otlp = flags.otlp ?? io.env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT;
  if (otlp !== undefined && !/^https?:\/\/\S+$/.test(otlp)) {
    throw new RokuError('ROKU_CLI_USAGE', `serve: --otlp must be an http(s) URL, not "${otlp}"`);
  }
  const server = await startServer({
    runtime: options,
    home,
    logger: options.logger,
    plugins: cliPluginAdmin(io, configFile, options.logger),
    ...(flags.host === undefined ? {} : { host: flags.host }),
    ...(port === undefined ? {} : { port }),
    ...(bodyLimit === undefined ? {} : { bodyLimit }),
    ...(rate === undefined ? {} : { rateLimitPerMinute: rate }),
    ...(grace === undefined ? {} : { graceMs: grace }),
    ...(otlp === undefined ? {} : { otlpTracesUrl: otlp }),
    ...(flags.webhookOrigin === undefined ? {} : { webhookOrigins: webhookOrigins(flags.webhookOrigin) }),
  });
  io.stdout(`listening on ${server.url} (API docs: ${server.url}/docs)\n`);
  await new Promise<void>((resolve) => {
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      io.stderr('roku serve: shutting down; runs in flight may finish\n');
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  await server.close();
  return EXIT.ok;
}

/** `--webhook-origin` values as origins; anything else is a usage error naming it. */
function webhookOrigins(values: readonly string[]): string[] {
  return values.map((value) => {
    let url: URL | undefined;
    try {
      url = new URL(value);
    } catch {
      url = undefined;
    }
    if (url === undefined || !/^https?:$/.test(url.protocol) || url.origin !== value.replace(/\/$/, '')) {
      throw new RokuError(
        'ROKU_CLI_USAGE',
        `serve: --webhook-origin must be an origin like https://hooks.example.com, not "${value}"`,
      );
    }
    return url.origin;
  });
}
