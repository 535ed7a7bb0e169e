import semver from 'semver';
import { RokuError } from '@roku/schemas';
import { checkIntegrity } from '../archive/integrity.js';
import { checkIndexSignature } from '../index-doc/index-signature.js';
import { parseIndexDocument } from '../index-doc/parse.js';
import type { IndexDocument, IndexSignature } from '../index-doc/types.js';
import type { RegistrySource } from '../resolve/types.js';
import type { FetchFunction } from './download.js';
import { publishOverHttp } from './publish.js';
import { unexpected } from './remote-error.js';
import { getWithRetries } from './retrying-get.js';
import type { HttpSettings } from './retrying-get.js';

/** Options of {@link createHttpRegistrySource}. Durations in milliseconds, sizes in bytes. */
export interface HttpRegistrySourceOptions {
  /** Overall limit of one attempt, headers and body. */
  readonly timeoutMs: number;
  /** Extra attempts for GETs after a 5xx or a connection failure (0 = try once). Publish is never retried. */
  readonly retries: number;
  /** Largest archive accepted, counted while streaming. */
  readonly maxArchiveBytes: number;
  /** Longest pause mid-body; `timeoutMs` by default. */
  readonly idleTimeoutMs?: number;
  /** Largest index document accepted; 8 MiB by default. */
  readonly maxDocumentBytes?: number;
  /** First retry delay, doubled each retry (with jitter, capped at 5 s); 200 ms by default. */
  readonly backoffMs?: number;
  /** The fetch to call; the global one by default. */
  readonly fetch?: FetchFunction;
  /**
   * Registry public keys allowed to sign index documents. With any, every document must be signed by one
   * of them and unexpired (ROKU_REGISTRY_INDEX_UNSIGNED / ROKU_REGISTRY_INDEX_EXPIRED).
   */
  readonly indexKeys?: readonly string[];
  /** The clock expiry is checked against; the system clock by default. */
  readonly now?: () => Date;
}

/** What {@link HttpRegistrySource.publish} uploads. */
export interface HttpPublishInput {
  readonly archive: Uint8Array;
  /** `sha512-<base64>` of `archive`. */
  readonly integrity: string;
  readonly signatures: readonly IndexSignature[];
}

/** A published version as the client knows it. */
export interface HttpPublishResult {
  readonly name: string;
  readonly version: string;
  readonly integrity: string;
}

/** A registry served over HTTP (by `createRegistryServer` or any static server of a registry folder). */
export interface HttpRegistrySource extends RegistrySource {
  readonly baseUrl: string;
  /**
   * The archive of `name` at a version (its integrity is then checked against the index) or at a URL
   * (absolute, or relative to the plugin's folder `<base>/@scope/name/`).
   * @throws ROKU_REGISTRY_NOT_FOUND, ROKU_REGISTRY_ARCHIVE_TOO_LARGE, ROKU_REGISTRY_DOWNLOAD_FAILED,
   *   ROKU_REGISTRY_UNAVAILABLE, ROKU_REGISTRY_INTEGRITY
   */
  fetchArchive(name: string, versionOrUrl: string): Promise<Uint8Array>;
  /**
   * Publishes an archive under the id its manifest names (the archive is unpacked and checked locally first).
   * @throws the server's code (ROKU_REGISTRY_FORBIDDEN, ROKU_REGISTRY_VERSION_EXISTS, …), or
   *   ROKU_REGISTRY_UNAVAILABLE when the server cannot be reached or fails.
   */
  publish(token: string, input: HttpPublishInput): Promise<HttpPublishResult>;
}

const ID = /^@[a-z0-9][a-z0-9._-]*\/[a-z0-9][a-z0-9._-]*$/;
const DEFAULT_MAX_DOCUMENT_BYTES = 8 * 1024 * 1024;
const DEFAULT_BACKOFF_MS = 200;

function checkName(name: string): void {
  if (!ID.test(name) || name.length > 214) {
    throw new RokuError('ROKU_REGISTRY_BAD_SPEC', `'${name}' is not a plugin id like @scope/name`, {
      details: { spec: name },
    });
  }
}

/**
 * A {@link RegistrySource} over HTTP: index documents at `<base>/@scope/name`, archives relative to
 * `<base>/@scope/name/`. GETs are retried with exponential backoff on 5xx and connection failures.
 *
 * @throws (from its methods) ROKU_REGISTRY_INDEX_INVALID for a malformed document, ROKU_REGISTRY_UNAVAILABLE
 *   after the last retry, ROKU_REGISTRY_DOWNLOAD_FAILED on timeouts, stalls and unexpected statuses.
 * @example
 * const source = createHttpRegistrySource('https://registry.example', { timeoutMs: 30_000, retries: 2, maxArchiveBytes: 32 << 20 });
 * const doc = await source.getDocument('@acme/hello');
 */
export function createHttpRegistrySource(
  baseUrl: string,
  options: HttpRegistrySourceOptions,
): HttpRegistrySource {
  const base = new URL(baseUrl).href.replace(/\/+$/, '');
  const settings: HttpSettings = Object.freeze({
    timeoutMs: options.timeoutMs,
    idleTimeoutMs: options.idleTimeoutMs ?? options.timeoutMs,
    retries: Math.max(0, Math.floor(options.retries)),
    backoffMs: options.backoffMs ?? DEFAULT_BACKOFF_MS,
    maxArchiveBytes: options.maxArchiveBytes,
    maxDocumentBytes: options.maxDocumentBytes ?? DEFAULT_MAX_DOCUMENT_BYTES,
    fetch: options.fetch ?? ((input: string, init: RequestInit) => fetch(input, init)),
  });
  const documentUrl = (name: string): string => `${base}/${name}`;
  const get = (url: string, maxBytes: number, tooLarge: (received: number) => RokuError) =>
    getWithRetries(settings, url, maxBytes, tooLarge);

  const getDocument = async (name: string): Promise<IndexDocument | undefined> => {
    checkName(name);
    const url = documentUrl(name);
    const result = await get(
      url,
      settings.maxDocumentBytes,
      (received) =>
        new RokuError(
          'ROKU_REGISTRY_INDEX_INVALID',
          `${url}: the document is larger than ${settings.maxDocumentBytes} bytes`,
          {
            details: { source: url, received },
          },
        ),
    );
    if (result.status === 404) return undefined;
    if (result.status !== 200) throw unexpected(url, result);
    const doc = parseIndexDocument(Buffer.from(result.body).toString('utf8'), url);
    checkIndexSignature(doc, url, {
      keys: options.indexKeys ?? [],
      ...(options.now ? { now: options.now } : {}),
    });
    return doc;
  };

  const fetchArchive = async (name: string, versionOrUrl: string): Promise<Uint8Array> => {
    checkName(name);
    const folder = `${documentUrl(name)}/`;
    let ref = versionOrUrl;
    let integrity: string | undefined;
    if (semver.valid(versionOrUrl) !== null) {
      const doc = await getDocument(name);
      const entry = doc?.versions[versionOrUrl];
      if (entry === undefined) {
        throw new RokuError(
          'ROKU_REGISTRY_NOT_FOUND',
          `${name}@${versionOrUrl} is not in the registry at ${base}`,
          {
            details: { name, version: versionOrUrl, registry: base },
          },
        );
      }
      ref = entry.archive;
      integrity = entry.integrity;
    }
    const url = new URL(ref, folder);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new RokuError('ROKU_REGISTRY_BAD_SPEC', `${name}: archive URL '${ref}' is not http(s)`, {
        details: { spec: ref },
      });
    }
    const result = await get(
      url.href,
      settings.maxArchiveBytes,
      (received) =>
        new RokuError(
          'ROKU_REGISTRY_ARCHIVE_TOO_LARGE',
          `${url.href}: the archive passes ${settings.maxArchiveBytes} bytes`,
          {
            details: { limit: 'download', maxArchiveBytes: settings.maxArchiveBytes, received },
          },
        ),
    );
    if (result.status === 404) {
      throw new RokuError('ROKU_REGISTRY_NOT_FOUND', `${url.href}: no such archive`, {
        details: { name, url: url.href },
      });
    }
    if (result.status !== 200) throw unexpected(url.href, result);
    if (integrity !== undefined) checkIntegrity(result.body, integrity);
    return result.body;
  };

  return {
    baseUrl: base,
    getDocument,
    fetchArchive,
    publish: (token, input) => publishOverHttp(settings, documentUrl, token, input),
  };
}
