import { RokuError } from '@roku/schemas';

/** The fetch this client calls; the global one by default. */
export type FetchFunction = (input: string, init: RequestInit) => Promise<Response>;

/** One HTTP exchange: where, how, and the limits it runs under. */
export interface DownloadPlan {
  readonly url: string;
  readonly method: 'GET' | 'PUT';
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string;
  /** The whole exchange, headers and body, must finish within this. */
  readonly timeoutMs: number;
  /** Once headers are in, the body may not pause longer than this between chunks. */
  readonly idleTimeoutMs: number;
  /** Most body bytes of a 2xx answer, counted while streaming. */
  readonly maxBytes: number;
  /** The error raised when a 2xx body goes past `maxBytes`. */
  readonly tooLarge: (received: number) => RokuError;
  readonly fetch: FetchFunction;
}

/** A finished exchange. For non-2xx answers `body` is at most {@link ERROR_BODY_BYTES} bytes. */
export interface DownloadResult {
  readonly status: number;
  readonly body: Uint8Array;
}

/** How much of an error answer is kept (enough for a `{ code, message, details }` body). */
export const ERROR_BODY_BYTES = 64 * 1024;

function failed(plan: DownloadPlan, reason: string, cause?: unknown): RokuError {
  return new RokuError('ROKU_REGISTRY_DOWNLOAD_FAILED', `${plan.method} ${plan.url}: ${reason}`, {
    details: { url: plan.url, reason },
    cause,
  });
}

/** A connection-level failure (refused, reset, DNS): the only failure before headers worth retrying. */
function unreachable(plan: DownloadPlan, cause: unknown): RokuError {
  const reason = cause instanceof Error ? cause.message : String(cause);
  const inner = (cause as { cause?: { code?: unknown } } | undefined)?.cause?.code;
  return new RokuError('ROKU_REGISTRY_UNAVAILABLE', `${plan.method} ${plan.url}: ${reason}`, {
    details: { url: plan.url, reason, ...(typeof inner === 'string' ? { errno: inner } : {}) },
    cause,
  });
}

/**
 * Runs one exchange with an overall timeout and an idle timeout, and reads the body while counting bytes, so
 * an oversized or stalled body is cut off without being buffered or waited for.
 *
 * @throws ROKU_REGISTRY_UNAVAILABLE when no answer came because the connection failed (retryable).
 * @throws ROKU_REGISTRY_DOWNLOAD_FAILED on a timeout or a body that breaks off.
 * @throws whatever `plan.tooLarge` returns when a 2xx body passes `plan.maxBytes`.
 */
export async function download(plan: DownloadPlan): Promise<DownloadResult> {
  const controller = new AbortController();
  let timedOut: string | undefined;
  const abort = (why: string): void => {
    timedOut ??= why;
    controller.abort(new Error(why));
  };
  const overall = setTimeout(() => {
    abort(`no complete answer within ${plan.timeoutMs} ms`);
  }, plan.timeoutMs);
  let idle: NodeJS.Timeout | undefined;
  const touch = (): void => {
    clearTimeout(idle);
    idle = setTimeout(() => {
      abort(`the body stalled for ${plan.idleTimeoutMs} ms`);
    }, plan.idleTimeoutMs);
  };
  try {
    let response: Response;
    try {
      response = await plan.fetch(plan.url, {
        method: plan.method,
        headers: { ...plan.headers },
        ...(plan.body === undefined ? {} : { body: plan.body }),
        signal: controller.signal,
        redirect: 'follow',
      });
    } catch (err) {
      if (timedOut !== undefined) throw failed(plan, timedOut, err);
      throw unreachable(plan, err);
    }
    const ok = response.status >= 200 && response.status < 300;
    const cap = ok ? plan.maxBytes : ERROR_BODY_BYTES;
    const declared = Number(response.headers.get('content-length') ?? Number.NaN);
    if (ok && Number.isFinite(declared) && declared > cap) {
      await response.body?.cancel().catch(() => undefined);
      throw plan.tooLarge(declared);
    }
    const chunks: Uint8Array[] = [];
    let received = 0;
    const reader: ReadableStreamDefaultReader<Uint8Array> | undefined = response.body?.getReader();
    touch();
    try {
      for (;;) {
        const next = reader === undefined ? { done: true as const } : await reader.read();
        if (next.done) break;
        touch();
        received += next.value.byteLength;
        if (received > cap) {
          await reader?.cancel().catch(() => undefined);
          if (ok) throw plan.tooLarge(received);
          break;
        }
        chunks.push(next.value);
      }
    } catch (err) {
      if (err instanceof RokuError) throw err;
      throw failed(plan, timedOut ?? `the body broke off after ${received} bytes`, err);
    }
    const body = new Uint8Array(Buffer.concat(chunks));
    return { status: response.status, body };
  } finally {
    clearTimeout(overall);
    clearTimeout(idle);
  }
}
