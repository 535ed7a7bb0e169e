import { defineTool, RokuError } from '@roku/plugin-api';
import type { PluginContext } from '@roku/plugin-api';
import { readableText } from './readable.js';

/** Most response bytes read; the rest is cancelled unread. */
export const MAX_BODY_BYTES = 2 * 1024 * 1024;
export const DEFAULT_MAX_CHARS = 20_000;
export const MAX_CHARS = 100_000;

export interface FetchUrlInput {
  readonly url: string;
  readonly maxChars?: number;
  readonly raw?: boolean;
}
export interface FetchUrlOutput {
  readonly url: string;
  readonly status: number;
  readonly contentType: string;
  readonly title?: string;
  readonly extraction: 'readability' | 'page' | 'text';
  readonly text: string;
  readonly truncated: boolean;
  readonly note?: string;
}

const TEXT_TYPES = /^(text\/|application\/(json|xml|xhtml\+xml|ld\+json|javascript|rss\+xml|atom\+xml)\b)/;

function checkedUrl(raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new RokuError('ROKU_WEB_BAD_URL', `fetch_url: ${JSON.stringify(raw.slice(0, 200))} is not a URL`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new RokuError(
      'ROKU_WEB_BAD_URL',
      `fetch_url: ${url.protocol} URLs are not fetched; use http or https`,
    );
  }
  return url;
}

/** Reads at most MAX_BODY_BYTES of the body and cancels the rest. */
async function readCapped(response: Response): Promise<{ bytes: Uint8Array; cut: boolean }> {
  const reader = response.body?.getReader();
  if (reader === undefined) return { bytes: new Uint8Array(0), cut: false };
  const chunks: Uint8Array[] = [];
  let length = 0;
  let cut = false;
  for (;;) {
    const { done, value } = (await reader.read()) as { done: boolean; value?: Uint8Array };
    if (done || value === undefined) break;
    const room = MAX_BODY_BYTES - length;
    chunks.push(value.length > room ? value.subarray(0, room) : value);
    length += Math.min(value.length, room);
    if (value.length >= room) {
      cut = true;
      await reader.cancel();
      break;
    }
  }
  const bytes = new Uint8Array(length);
  let at = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, at);
    at += chunk.length;
  }
  return { bytes, cut };
}

function decode(bytes: Uint8Array, contentType: string): string {
  const charset = /charset=["']?([\w-]+)/i.exec(contentType)?.[1];
  try {
    return new TextDecoder(charset ?? 'utf-8').decode(bytes);
  } catch {
    return new TextDecoder('utf-8').decode(bytes);
  }
}

/**
 * fetch_url: fetches a web page through the host's checked fetch (every redirect hop re-checked against the
 * network permissions, private addresses refused) and returns its readable text, cut to maxChars.
 *
 * @throws ROKU_WEB_BAD_URL, ROKU_WEB_UNSUPPORTED_TYPE, or the host's ROKU_CAPABILITY_* error
 */
export const fetchUrl = defineTool({
  name: 'fetch_url',
  handler: async (input: FetchUrlInput, ctx: PluginContext): Promise<FetchUrlOutput> => {
    const url = checkedUrl(input.url);
    const maxChars = Math.min(MAX_CHARS, Math.max(1, Math.floor(input.maxChars ?? DEFAULT_MAX_CHARS)));
    let response: Response;
    try {
      response = await ctx.fetch(url.href, {
        headers: {
          accept: 'text/html,application/xhtml+xml,text/plain;q=0.9,application/json;q=0.8,*/*;q=0.1',
          'user-agent': 'Roku-fetch_url/0.1',
        },
        signal: ctx.signal,
      });
    } catch (err) {
      // fetch reports a refusal as a TypeError, as the web does; the host's coded error is its cause.
      const cause = (err as { cause?: unknown }).cause;
      if (typeof (cause as { code?: unknown } | undefined)?.code === 'string') throw cause;
      throw err;
    }
    const contentType = response.headers.get('content-type') ?? '';
    const type = contentType.split(';')[0]?.trim().toLowerCase() ?? '';
    if (type !== '' && !TEXT_TYPES.test(type)) {
      await response.body?.cancel();
      throw new RokuError(
        'ROKU_WEB_UNSUPPORTED_TYPE',
        `fetch_url: ${response.url || url.href} is ${type}, not text; fetch_url reads HTML, plain text, JSON and XML`,
      );
    }
    const { bytes, cut } = await readCapped(response);
    const body = decode(bytes, contentType);
    const html =
      type === 'text/html' || type === 'application/xhtml+xml' || (type === '' && /<html[\s>]/i.test(body));
    const page = html && input.raw !== true ? readableText(body) : undefined;
    const text = page?.text ?? body;
    const notes: string[] = [];
    if (cut) notes.push(`only the first ${MAX_BODY_BYTES} bytes of the response were read`);
    if (text.length > maxChars)
      notes.push(
        `text cut at ${maxChars} of ${text.length} characters; ask with a larger maxChars (at most ${MAX_CHARS})`,
      );
    if (!response.ok) notes.push(`the server answered ${response.status} ${response.statusText}`);
    return {
      url: response.url || url.href,
      status: response.status,
      contentType: type,
      ...(page?.title === undefined ? {} : { title: page.title }),
      extraction: page?.extraction ?? 'text',
      truncated: cut || text.length > maxChars,
      ...(notes.length === 0 ? {} : { note: notes.join('; ') }),
      text: text.length > maxChars ? text.slice(0, maxChars) : text,
    };
  },
});
