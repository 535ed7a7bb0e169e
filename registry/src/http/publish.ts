import { RokuError } from '@roku/schemas';
import { verifyArchive } from '../signing/verify-archive.js';
import { download } from './download.js';
import { remoteError, unexpected } from './remote-error.js';
import type { HttpSettings } from './retrying-get.js';
import type { HttpPublishInput, HttpPublishResult } from './source.js';

/**
 * Uploads an archive (checked locally first) with a PUT to the plugin's document URL; never retried.
 *
 * @throws the server's code, or ROKU_REGISTRY_UNAVAILABLE when the server fails.
 */
export async function publishOverHttp(
  settings: HttpSettings,
  documentUrl: (name: string) => string,
  token: string,
  input: HttpPublishInput,
): Promise<HttpPublishResult> {
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
}
