import { readFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { resolveHome } from '@roku/host';
import { createRegistryServer, signIndexDocument } from '@roku/registry';
import type { RegistryServerOptions } from '@roku/registry';
import { RokuError } from '@roku/schemas';
import type { CliIo } from '../../io.js';
import { EXIT } from '../../io.js';
import { DEFAULT_TOKEN_ENV } from './publish.js';

export interface ServeOptions {
  readonly dir?: string;
  readonly host: string;
  readonly port: string;
  readonly tokenEnv?: string;
  /** A file holding the registry's Ed25519 private key (PEM) that signs every index document served. */
  readonly indexKey?: string;
  /** Hours a served index document stays valid. */
  readonly indexTtlHours?: string;
  readonly logger?: RegistryServerOptions['logger'];
  /** Resolves when the server should stop; SIGINT or SIGTERM by default. */
  readonly until?: Promise<unknown>;
}

function nextSignal(): Promise<NodeJS.Signals> {
  return new Promise((done) => {
    const stop = (signal: NodeJS.Signals): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      done(signal);
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}

function readIndexKey(file: string): string {
  let pem: string;
  try {
    pem = readFileSync(file, 'utf8');
  } catch (err) {
    throw new RokuError(
      'ROKU_CLI_NOT_FOUND',
      `--index-key ${file}: cannot be read (${(err as Error).message})`,
      {
        details: { file },
        cause: err,
      },
    );
  }
  // Fails now with ROKU_REGISTRY_BAD_KEY rather than on the first request.
  signIndexDocument({ name: '@roku/check', versions: {}, distTags: {} }, pem, 1);
  return pem;
}

function listenFailed(err: unknown, host: string, port: number): unknown {
  const code = (err as { code?: unknown }).code;
  if (code !== 'EADDRINUSE' && code !== 'EACCES' && code !== 'EADDRNOTAVAIL') return err;
  const why =
    code === 'EADDRINUSE'
      ? 'is already in use by another process; stop it, or pick another port with --port (0 picks a free one)'
      : code === 'EACCES'
        ? 'may not be used by this user; pick a port above 1023 with --port'
        : 'is not an address of this machine; pick another with --host';
  return new RokuError('ROKU_CLI_LISTEN_FAILED', `${host}:${port} ${why}`, {
    details: { host, port, reason: code },
    cause: err,
  });
}

/**
 * `roku registry serve`: serves a local directory registry over HTTP until SIGINT/SIGTERM. Publish tokens are
 * read from `$<tokenEnv>` (comma-separated); with none it refuses to start.
 *
 * @throws ROKU_CLI_USAGE without a token or with a bad port; ROKU_CLI_LISTEN_FAILED when the port is taken.
 */
export async function registryServeCommand(io: CliIo, options: ServeOptions): Promise<number> {
  const tokenEnv = options.tokenEnv ?? DEFAULT_TOKEN_ENV;
  const tokens = (io.env[tokenEnv] ?? '')
    .split(',')
    .map((t) => t.trim())
    .filter((t) => t !== '');
  if (tokens.length === 0) {
    throw new RokuError(
      'ROKU_CLI_USAGE',
      `no publish token: set $${tokenEnv} (comma-separated for several)`,
      {
        details: { tokenEnv },
      },
    );
  }
  const port = Number(options.port);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new RokuError('ROKU_CLI_USAGE', `--port ${options.port}: must be an integer from 0 to 65535`, {
      details: { port: options.port },
    });
  }
  const root =
    options.dir === undefined ? join(resolveHome(io.env), 'registry') : resolve(io.cwd, options.dir);
  await mkdir(root, { recursive: true });
  const indexKey =
    options.indexKey === undefined ? undefined : readIndexKey(resolve(io.cwd, options.indexKey));
  const ttlHours = Number(options.indexTtlHours ?? '24');
  if (!(ttlHours > 0 && ttlHours <= 24 * 366)) {
    throw new RokuError(
      'ROKU_CLI_USAGE',
      `--index-ttl-hours ${options.indexTtlHours ?? ''}: must be a number of hours above 0`,
      {
        details: { indexTtlHours: options.indexTtlHours },
      },
    );
  }
  const server = createRegistryServer({
    root,
    tokens,
    ...(indexKey === undefined ? {} : { indexKey, indexTtlMs: ttlHours * 3_600_000 }),
    ...(options.logger === undefined ? {} : { logger: options.logger }),
  });
  // Listen for signals before announcing the URL, so a supervisor that kills us right after sees a clean stop.
  const stop = options.until ?? nextSignal();
  let url: string;
  try {
    url = await server.listen({ host: options.host, port });
  } catch (err) {
    throw listenFailed(err, options.host, port);
  }
  io.stdout(`registry ${root} listening on ${url}\n`);
  await stop;
  await server.close();
  io.stdout('registry stopped\n');
  return EXIT.ok;
}
