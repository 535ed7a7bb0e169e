import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createHttpRegistrySource, createLocalRegistry, packPlugin, signPackage } from '@roku/registry';
import { RokuError } from '@roku/schemas';
import type { CliIo } from '../../io.js';
import { report } from './output.js';

/** Environment variable holding the publish token when `--token-env` is not given. */
export const DEFAULT_TOKEN_ENV = 'ROKU_REGISTRY_TOKEN';

const HTTP_TIMEOUT_MS = 60_000;
const MAX_ARCHIVE_BYTES = 32 * 1024 * 1024;

export interface PublishOptions {
  readonly registry: string;
  readonly key: string;
  readonly tokenEnv?: string;
  readonly json: boolean;
}

export interface PublishResult {
  readonly id: string;
  readonly version: string;
  readonly integrity: string;
  readonly keyId: string;
  readonly registry: string;
}

async function readKey(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    throw new RokuError('ROKU_CLI_NOT_FOUND', `${file}: no such private key file`, {
      details: { path: file },
    });
  }
}

/**
 * The registry's refusals an author can fix, restated with the file, the field and the fix; the code and
 * details stay the registry's.
 */
function authorFacing(
  err: unknown,
  where: { manifestFile: string; version: string; tokenEnv: string },
): unknown {
  const code = (err as { code?: unknown }).code;
  const details = (err as { details?: Record<string, unknown> }).details ?? {};
  if (code === 'ROKU_REGISTRY_VERSION_EXISTS') {
    return new RokuError(
      'ROKU_REGISTRY_VERSION_EXISTS',
      `${where.manifestFile}: /version ${where.version} is already published and versions are immutable; ` +
        'bump "version" (semver) and publish again',
      { details, cause: err },
    );
  }
  if (code === 'ROKU_REGISTRY_FORBIDDEN' || code === 'ROKU_REGISTRY_UNAUTHORIZED') {
    return new RokuError(
      code,
      `the registry refused the publish token in $${where.tokenEnv}; set it to a token the registry accepts ` +
        '(roku registry serve reads its tokens from $ROKU_REGISTRY_TOKEN) or name another variable with --token-env',
      { details: { ...details, tokenEnv: where.tokenEnv }, cause: err },
    );
  }
  return err;
}

async function publish(io: CliIo, dir: string, options: PublishOptions): Promise<PublishResult> {
  const root = resolve(io.cwd, dir);
  const tokenEnv = options.tokenEnv ?? DEFAULT_TOKEN_ENV;
  const version = await readManifestVersion(root);
  try {
    return await publishUnchecked(io, dir, options);
  } catch (err) {
    throw authorFacing(err, { manifestFile: join(root, 'roku.plugin.json'), version, tokenEnv });
  }
}

async function readManifestVersion(root: string): Promise<string> {
  try {
    const parsed = JSON.parse(await readFile(join(root, 'roku.plugin.json'), 'utf8')) as {
      version?: unknown;
    };
    return typeof parsed.version === 'string' ? parsed.version : '';
  } catch {
    return '';
  }
}

async function publishUnchecked(io: CliIo, dir: string, options: PublishOptions): Promise<PublishResult> {
  const privateKeyPem = await readKey(resolve(io.cwd, options.key));
  const packed = await packPlugin(resolve(io.cwd, dir));
  const signature = signPackage(packed, privateKeyPem);
  const { id, version } = packed.manifest;
  const base = { id, version, integrity: packed.integrity, keyId: signature.keyId };

  if (/^https?:\/\//i.test(options.registry)) {
    const tokenEnv = options.tokenEnv ?? DEFAULT_TOKEN_ENV;
    const token = io.env[tokenEnv] ?? '';
    if (token === '') {
      throw new RokuError('ROKU_CLI_USAGE', `publishing over HTTP needs a token in $${tokenEnv}`, {
        details: { tokenEnv },
      });
    }
    const source = createHttpRegistrySource(options.registry, {
      timeoutMs: HTTP_TIMEOUT_MS,
      retries: 0,
      maxArchiveBytes: MAX_ARCHIVE_BYTES,
    });
    await source.publish(token, {
      archive: packed.bytes,
      integrity: packed.integrity,
      signatures: [signature],
    });
    return { ...base, registry: source.baseUrl };
  }

  const root = options.registry.startsWith('file:')
    ? fileURLToPath(options.registry)
    : resolve(io.cwd, options.registry);
  const registry = createLocalRegistry(root);
  await registry.publish({
    manifest: packed.manifest,
    archiveBytes: packed.bytes,
    integrity: packed.integrity,
    signatures: [signature],
  });
  return { ...base, registry: registry.rootDir };
}

/**
 * `roku plugin publish`: packs, signs and publishes a plugin folder to a local directory registry (a path or
 * `file://` URL) or an HTTP registry (bearer token from `$<tokenEnv>`).
 *
 * @throws the registry's code, e.g. ROKU_REGISTRY_VERSION_EXISTS for a version already published.
 */
export function publishCommand(io: CliIo, dir: string, options: PublishOptions): Promise<number> {
  return report(
    io,
    options.json,
    () => publish(io, dir, options),
    (r) =>
      `published ${r.id}@${r.version} to ${r.registry}\nintegrity ${r.integrity}\nsigned by ${r.keyId}\n`,
  );
}
