import { RokuError } from '@roku/schemas';

/** Spec §9.2: a skill archive is capped at 32 MiB by default and 128 MiB at most. */
export const DEFAULT_MAX_ARCHIVE_BYTES = 32 * 1024 * 1024;
export const HARD_MAX_ARCHIVE_BYTES = 128 * 1024 * 1024;
const HTTP_TIMEOUT_MS = 30_000;
const MAX_REDIRECTS = 5;
const LOOPBACK = new Set(['127.0.0.1', '[::1]', 'localhost']);

/** The archive cap: ROKU_RUNTIME__SKILLS__MAX_ARCHIVE_BYTES when set (clamped to 128 MiB), else 32 MiB. */
export function maxArchiveBytes(env: Readonly<Record<string, string | undefined>>): number {
  const raw = env.ROKU_RUNTIME__SKILLS__MAX_ARCHIVE_BYTES;
  const value = raw === undefined ? Number.NaN : Number(raw);
  if (!Number.isInteger(value) || value <= 0) return DEFAULT_MAX_ARCHIVE_BYTES;
  return Math.min(value, HARD_MAX_ARCHIVE_BYTES);
}

function tooLarge(url: string, max: number): RokuError {
  return new RokuError('ROKU_SKILL_ARCHIVE_TOO_LARGE', `${url}: the archive is larger than ${max} bytes`, {
    details: { url, maxArchiveBytes: max },
  });
}

/** https only; plain http only to a loopback host (local tests and mirrors). */
export function checkUrl(text: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new RokuError('ROKU_SKILL_UNSUPPORTED_SOURCE', `${text}: not a URL`);
  }
  if (url.protocol === 'https:' || (url.protocol === 'http:' && LOOPBACK.has(url.hostname))) return url;
  throw new RokuError(
    'ROKU_SKILL_UNSUPPORTED_SOURCE',
    `${text}: only https URLs are fetched (http only on loopback)`,
    { details: { url: text } },
  );
}

/**
 * Downloads an archive, refusing it as soon as more than `max` bytes arrive (Content-Length is checked first,
 * then the streamed count, so a lying server is cut off too). Redirects are followed by hand and re-checked.
 *
 * @throws ROKU_SKILL_UNSUPPORTED_SOURCE, ROKU_SKILL_DOWNLOAD_FAILED, ROKU_SKILL_ARCHIVE_TOO_LARGE
 */
export async function download(text: string, max: number): Promise<Uint8Array> {
  let url = checkUrl(text);
  const signal = AbortSignal.timeout(HTTP_TIMEOUT_MS);
  for (let hop = 0; hop <= MAX_REDIRECTS; hop += 1) {
    let response: Response;
    try {
      response = await fetch(url, { redirect: 'manual', signal });
    } catch (err) {
      throw new RokuError('ROKU_SKILL_DOWNLOAD_FAILED', `${url.href}: ${(err as Error).message}`, {
        cause: err,
      });
    }
    const location = response.headers.get('location');
    if (response.status >= 300 && response.status < 400 && location !== null) {
      await response.body?.cancel();
      url = checkUrl(new URL(location, url).href);
      continue;
    }
    if (!response.ok) {
      await response.body?.cancel();
      throw new RokuError('ROKU_SKILL_DOWNLOAD_FAILED', `${url.href}: HTTP ${response.status}`, {
        details: { url: url.href, status: response.status },
      });
    }
    const declared = Number(response.headers.get('content-length') ?? Number.NaN);
    if (declared > max) {
      await response.body?.cancel();
      throw tooLarge(url.href, max);
    }
    const chunks: Uint8Array[] = [];
    let size = 0;
    if (response.body !== null) {
      for await (const data of response.body) {
        const chunk = data as Uint8Array;
        size += chunk.byteLength;
        if (size > max) {
          await response.body.cancel().catch(() => undefined);
          throw tooLarge(url.href, max);
        }
        chunks.push(chunk);
      }
    }
    return Buffer.concat(chunks);
  }
  throw new RokuError('ROKU_SKILL_DOWNLOAD_FAILED', `${text}: more than ${MAX_REDIRECTS} redirects`);
}

/** Which archive the bytes are, by their magic number. */
export function archiveKind(bytes: Uint8Array, where: string): 'zip' | 'tar.gz' {
  if (bytes[0] === 0x50 && bytes[1] === 0x4b && (bytes[2] === 3 || bytes[2] === 5)) return 'zip';
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) return 'tar.gz';
  throw new RokuError('ROKU_SKILL_UNSUPPORTED_SOURCE', `${where}: not a .zip or .tar.gz archive`, {
    details: { source: where },
  });
}
