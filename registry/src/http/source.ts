import { setTimeout as sleep } from 'node:timers/promises';
import semver from 'semver';
import { RokuError, dynamicErrorCode, isRokuError } from '@roku/schemas';
import { checkIntegrity } from '../archive/integrity.js';
import { parseIndexDocument } from '../index-doc/parse.js';
import type { IndexDocument, IndexSignature } from '../index-doc/types.js';
import type { RegistrySource } from '../resolve/types.js';
import { verifyArchive } from '../signing/verify-archive.js';
import type { DownloadPlan, DownloadResult, FetchFunction } from './download.js';
import { download } from './download.js';

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
const MAX_BACKOFF_MS = 5000;

function checkName(name: string): void {
  if (!ID.test(name) || name.length > 214) {
    throw new RokuError('ROKU_REGISTRY_BAD_SPEC', `'${name}' is not a plugin id like @scope/name`, {
      details: { spec: name },
    });
  }
}

/** The `{ code, message, details }` an error answer carries, if it carries one. */
function remoteError(result: DownloadResult): RokuError | undefined {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(result.body).toString('utf8'));
  } catch {
    return undefined;
  }
  if (!isRokuError(value)) return undefined;
  const details = (value as { details?: unknown }).details;
  const bag = typeof details === 'object' && details !== null ? (details as Record<string, unknown>) : {};
  // The registry's own code, passed on unchanged.
  return new RokuError(dynamicErrorCode(value.code), value.message, {
    details: { ...bag, status: result.status },
  });
}

function unexpected(url: string, result: DownloadResult): RokuError {
  return (
    remoteError(result) ??
    new RokuError('ROKU_REGISTRY_DOWNLOAD_FAILED', `GET ${url}: unexpected status ${result.status}`, {
      details: { url, status: result.status },
    })
  );
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
  const settings = Object.freeze({
    timeoutMs: options.timeoutMs,
    idleTimeoutMs: options.idleTimeoutMs ?? options.timeoutMs,
    retries: Math.max(0, Math.floor(options.retries)),
    backoffMs: options.backoffMs ?? DEFAULT_BACKOFF_MS,
    maxArchiveBytes: options.maxArchiveBytes,
    maxDocumentBytes: options.maxDocumentBytes ?? DEFAULT_MAX_DOCUMENT_BYTES,
    fetch: options.fetch ?? ((input: string, init: RequestInit) => fetch(input, init)),
  });
  const documentUrl = (name: string): string => `${base}/${name}`;

  const get = async (
    url: string,
    maxBytes: number,
    tooLarge: DownloadPlan['tooLarge'],
  ): Promise<DownloadResult> => {
    const plan: DownloadPlan = { ...settings, url, method: 'GET', maxBytes, tooLarge };
    let last: { status?: number; reason?: string; cause?: unknown } = {};
    for (let attempt = 0; attempt <= settings.retries; attempt += 1) {
      if (attempt > 0) {
        const delay = Math.min(MAX_BACKOFF_MS, settings.backoffMs * 2 ** (attempt - 1));
        await sleep(delay / 2 + Math.random() * (delay / 2));
      }
      try {
        const result = await download(plan);
        if (result.status < 500) return result;
        last = { status: result.status };
      } catch (err) {
        if ((err as { code?: unknown }).code !== 'ROKU_REGISTRY_UNAVAILABLE') throw err;
        last = { reason: (err as Error).message, cause: err };
      }
    }
    const why = last.status === undefined ? (last.reason ?? 'unreachable') : `status ${last.status}`;
    throw new RokuError(
      'ROKU_REGISTRY_UNAVAILABLE',
      `GET ${url}: ${why} after ${settings.retries + 1} attempt(s)`,
      {
        details: {
          url,
          attempts: settings.retries + 1,
          ...(last.status === undefined ? {} : { status: last.status }),
        },
        cause: last.cause,
      },
    );
  };

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
    return parseIndexDocument(Buffer.from(result.body).toString('utf8'), url);
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

  const publish = async (token: string, input: HttpPublishInput): Promise<HttpPublishResult> => {
    const { manifest } = await verifyArchive(input.archive, {
      integrity: input.integrity,
      allowUnsigned: true,
      trustedKeys: [],
    });
    const url = documentUrl(manifest.id);
    const body = JSON.stringify({
      archive: Buffer.from(input.archive).toString('base64'),
      integrity: input.integrity,
      signatures: input.signatures.map((s) => ({ keyId: s.keyId, signature: s.signature })),
    });
    const result = await download({
      ...settings,
      url,
      method: 'PUT',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body,
      maxBytes: 1024 * 1024,
      tooLarge: (received) =>
        new RokuError('ROKU_REGISTRY_DOWNLOAD_FAILED', `PUT ${url}: the answer is too large`, {
          details: { url, received },
        }),
    });
    if (result.status === 200 || result.status === 201) {
      return { name: manifest.id, version: manifest.version, integrity: input.integrity };
    }
    const remote = remoteError(result);
    if (remote !== undefined && result.status < 500) throw remote;
    if (result.status >= 500) {
      throw new RokuError('ROKU_REGISTRY_UNAVAILABLE', `PUT ${url}: status ${result.status}`, {
        details: { url, status: result.status, ...(remote === undefined ? {} : { remoteCode: remote.code }) },
      });
    }
    throw unexpected(url, result);
  };

  return { baseUrl: base, getDocument, fetchArchive, publish };
}
