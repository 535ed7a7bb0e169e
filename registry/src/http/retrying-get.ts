import { setTimeout as sleep } from 'node:timers/promises';
import { RokuError } from '@roku/schemas';
import type { DownloadPlan, DownloadResult } from './download.js';
import { download } from './download.js';

const MAX_BACKOFF_MS = 5000;

/** How a source talks to its registry: the download limits plus the retry policy of GETs. */
export interface HttpSettings extends Pick<DownloadPlan, 'timeoutMs' | 'idleTimeoutMs' | 'fetch'> {
  readonly retries: number;
  readonly backoffMs: number;
  readonly maxArchiveBytes: number;
  readonly maxDocumentBytes: number;
}

/**
 * A GET retried with exponential backoff (with jitter, capped at 5 s) on 5xx answers and connection failures;
 * any other answer is returned as it is.
 *
 * @throws ROKU_REGISTRY_UNAVAILABLE after the last attempt; the download's own errors at once.
 */
export async function getWithRetries(
  settings: HttpSettings,
  url: string,
  maxBytes: number,
  tooLarge: DownloadPlan['tooLarge'],
): Promise<DownloadResult> {
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
}
