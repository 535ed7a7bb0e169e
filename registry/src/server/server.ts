import type { FastifyBaseLogger, FastifyInstance, FastifyReply } from 'fastify';
import Fastify from 'fastify';
import { RokuError } from '@roku/schemas';
import { checkIntegrity } from '../archive/integrity.js';
import type { IndexDocument } from '../index-doc/types.js';
import { signIndexDocument } from '../index-doc/index-signature.js';
import { createLocalRegistry } from '../local/local-registry.js';
import { verifyArchive } from '../signing/verify-archive.js';
import { createTokenCheck } from './auth.js';
import { errorReply } from './error-reply.js';
import { parsePublishBody } from './publish-body.js';

/** Options of {@link createRegistryServer}. */
export interface RegistryServerOptions {
  /** The local directory registry served (see `createLocalRegistry`). */
  readonly root: string;
  /** Bearer tokens allowed to publish. With none, every publish is refused (403). */
  readonly tokens: readonly string[];
  /** A pino-compatible logger; requests are logged on a child bound to `reqId`. Silent when omitted. */
  readonly logger?: FastifyBaseLogger;
  /** Largest request body accepted (publish bodies carry the archive in base64); 32 MiB by default. */
  readonly bodyLimitBytes?: number;
  /** Registry private key (Ed25519 PEM) signing every index document served; unsigned without. */
  readonly indexKey?: string;
  /** How long a served index document stays valid; 24 hours by default. */
  readonly indexTtlMs?: number;
}

/** How long a signed index document stays valid unless configured. */
export const DEFAULT_INDEX_TTL_MS = 24 * 60 * 60_000;

/** The server: a fastify instance the caller listens with (and closes). */
export type RegistryServer = FastifyInstance;

/** Default request body cap: a 24 MiB archive once base64-encoded, plus the JSON around it. */
export const DEFAULT_BODY_LIMIT_BYTES = 32 * 1024 * 1024;

const ARCHIVE_FILE = /^[a-z0-9][a-z0-9._+-]{0,250}\.tgz$/;
const MAX_QUERY_CHARS = 200;

interface PackageParams {
  readonly scope: string;
  readonly name: string;
}

function packageName(params: PackageParams): string {
  return `${params.scope}/${params.name}`;
}

function notFound(name: string): RokuError {
  return new RokuError('ROKU_REGISTRY_NOT_FOUND', `${name} is not in this registry`, { details: { name } });
}

/**
 * Serves a local directory registry over HTTP:
 * - `GET /-/ping` → `{ ok: true }`; `GET /-/search?q=` → `{ hits }`;
 * - `GET /@scope/name` (or `/@scope%2Fname`) → the index document, `cache-control: no-cache`;
 * - `GET /@scope/name/-/<file>.tgz` → the archive, immutable, `ETag` = its integrity;
 * - `PUT /@scope/name` with `Authorization: Bearer <token>` and `{ archive: base64, integrity, signatures }`
 *   publishes after unpacking and validating the archive (integrity, safe paths, manifest id = URL).
 *
 * Every error body is `{ code, message, details? }`: 400 bad input, 401/403 auth, 404, 409
 * ROKU_REGISTRY_VERSION_EXISTS, 413 body too large, 500 ROKU_REGISTRY_SERVER_ERROR (cause only in the log).
 *
 * @example
 * const server = createRegistryServer({ root: '/srv/roku', tokens: [process.env.ROKU_TOKEN ?? ''], logger });
 * await server.listen({ host: '127.0.0.1', port: 4873 });
 */
export function createRegistryServer(options: RegistryServerOptions): RegistryServer {
  const registry = createLocalRegistry(options.root);
  const checkToken = createTokenCheck(options.tokens.filter((t) => t.length > 0));
  const app: FastifyInstance = Fastify({
    ...(options.logger === undefined ? { logger: false } : { loggerInstance: options.logger }),
    bodyLimit: options.bodyLimitBytes ?? DEFAULT_BODY_LIMIT_BYTES,
    routerOptions: { maxParamLength: 256 },
    return503OnClosing: true,
  });

  app.setErrorHandler((err, request, reply) => {
    const { status, body } = errorReply(err);
    if (status >= 500) request.log.error({ err }, 'registry request failed');
    else request.log.info({ code: body.code, status }, 'registry request refused');
    void reply.code(status).type('application/json').send(body);
  });
  app.setNotFoundHandler((request, reply) => {
    void reply.code(404).send({
      code: 'ROKU_REGISTRY_NOT_FOUND',
      message: `no route ${request.method} ${request.url.split('?')[0] ?? ''}`,
    });
  });

  const sendDocument = async (name: string, reply: FastifyReply): Promise<IndexDocument> => {
    const doc = await registry.getDocument(name);
    if (doc === undefined) throw notFound(name);
    void reply.header('cache-control', 'no-cache');
    // Signed per response, so the expiry moves with time and a copy kept by a mirror goes stale.
    return options.indexKey === undefined
      ? doc
      : signIndexDocument(doc, options.indexKey, options.indexTtlMs ?? DEFAULT_INDEX_TTL_MS);
  };

  app.get('/-/ping', () => ({ ok: true }));

  app.get<{ Querystring: { q?: unknown } }>('/-/search', async (request) => {
    const q = request.query.q ?? '';
    if (typeof q !== 'string' || q.length > MAX_QUERY_CHARS) {
      throw new RokuError(
        'ROKU_REGISTRY_BAD_REQUEST',
        `query q: must be one string of at most ${MAX_QUERY_CHARS} characters`,
        {
          details: { issues: [{ path: '/q', message: 'must be one short string' }] },
        },
      );
    }
    return { hits: await registry.search(q) };
  });

  app.get<{ Params: { id: string } }>('/:id', (request, reply) => sendDocument(request.params.id, reply));
  app.get<{ Params: PackageParams }>('/:scope/:name', (request, reply) =>
    sendDocument(packageName(request.params), reply),
  );

  app.get<{ Params: PackageParams & { file: string } }>('/:scope/:name/-/:file', async (request, reply) => {
    const name = packageName(request.params);
    const { file } = request.params;
    if (!ARCHIVE_FILE.test(file)) throw notFound(`${name}/-/${file}`);
    const doc = await registry.getDocument(name);
    // Only files the index lists are served, so no request can name a path of its own.
    const found = Object.entries(doc?.versions ?? {}).find(([, entry]) => entry.archive === `-/${file}`);
    if (found === undefined) throw notFound(`${name}/-/${file}`);
    const [version, entry] = found;
    const etag = `"${entry.integrity}"`;
    void reply
      .header('etag', etag)
      .header('cache-control', 'public, max-age=31536000, immutable')
      .type('application/gzip');
    if (request.headers['if-none-match'] === etag) return reply.code(304).send();
    return reply.send(Buffer.from(await registry.readArchive(name, version)));
  });

  app.put<{ Params: PackageParams; Body: unknown }>(
    '/:scope/:name',
    {
      // Before the body is read: an unauthenticated client cannot make the server buffer anything.
      onRequest: (request, _reply, done) => {
        try {
          checkToken(request.headers.authorization);
          done();
        } catch (err) {
          done(err as Error);
        }
      },
    },
    async (request, reply) => {
      const name = packageName(request.params);
      const body = parsePublishBody(request.body);
      checkIntegrity(body.archive, body.integrity);
      const { manifest } = await verifyArchive(body.archive, {
        integrity: body.integrity,
        allowUnsigned: true,
        trustedKeys: [],
      });
      if (manifest.id !== name) {
        throw new RokuError(
          'ROKU_REGISTRY_MANIFEST_MISMATCH',
          `PUT /${name}: the archive's roku.plugin.json is ${manifest.id}@${manifest.version}`,
          { details: { url: name, id: manifest.id, version: manifest.version } },
        );
      }
      const entry = await registry.publish({
        manifest,
        archiveBytes: body.archive,
        integrity: body.integrity,
        signatures: body.signatures,
      });
      request.log.info({ name, version: manifest.version }, 'plugin published');
      return reply.code(201).send({ name, version: manifest.version, entry });
    },
  );

  return app;
}
