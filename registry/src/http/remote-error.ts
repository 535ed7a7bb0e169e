import { RokuError, dynamicErrorCode, isRokuError } from '@roku/schemas';
import type { DownloadResult } from './download.js';

/** The `{ code, message, details }` an error answer carries, if it carries one. */
export function remoteError(result: DownloadResult): RokuError | undefined {
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

/** The remote's error when it sent one, else ROKU_REGISTRY_DOWNLOAD_FAILED naming the status. */
export function unexpected(url: string, result: DownloadResult): RokuError {
  return (
    remoteError(result) ??
    new RokuError('ROKU_REGISTRY_DOWNLOAD_FAILED', `GET ${url}: unexpected status ${result.status}`, {
      details: { url, status: result.status },
    })
  );
}
