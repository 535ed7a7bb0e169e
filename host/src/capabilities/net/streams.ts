import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { isRokuError } from '@roku/schemas';
import { badRequest, failed } from '../policy.js';
import type { BodyRedactor } from './secret-scan.js';

/** Largest chunk one `fetch.read` returns, before base64: whatever has arrived, coalesced up to this size. */
export const MAX_CHUNK_BYTES = 64 * 1024;
/** Time a pending `fetch.read` waits for the next bytes. */
export const READ_IDLE_TIMEOUT_MS = 30_000;

interface OpenStream {
  readonly id: string;
  readonly callId: string;
  readonly origin: string;
  readonly response: IncomingMessage;
  readonly redactor: BodyRedactor;
  /** Redacted bytes ready for the plugin (a flush at the end can be more than one chunk). */
  pending: Buffer | null;
  /** Why the bytes taken for the `fetch.start` reply could not be handed over; the next read throws it. */
  failure: Error | undefined;
  ended: boolean;
  /** Serialises reads of one stream. */
  tail: Promise<unknown>;
  detach: () => void;
}

export interface StreamRegistry {
  /** Registers a response body; `onClose` runs once when it is read to its end, cancelled or dropped. */
  open(
    callId: string,
    origin: string,
    response: IncomingMessage,
    options: { signal: AbortSignal | undefined; redactor: BodyRedactor; onClose: () => void },
  ): string;
  read(streamId: string, callId: string): Promise<{ done: boolean; chunk: string }>;
  /**
   * What has already arrived, without waiting (right after `open`): the headers and the first bytes of a
   * stream usually arrive together, so the `fetch.start` reply carries them and the first token costs no read.
   */
  ready(streamId: string, callId: string): { done: boolean; chunk: string };
  cancel(streamId: string, callId: string): void;
  closeCall(callId: string): void;
  closeAll(): void;
}

export interface StreamRegistryOptions {
  readonly pluginId: string;
  /** Counts bytes read against the call's quota; throws ROKU_CAPABILITY_LIMIT when exceeded. */
  readonly countBytes: (callId: string, bytes: number) => void;
  /** Told which secrets a body reflected (they were replaced by markers). */
  readonly onSecretFound?: (origin: string, names: readonly string[]) => void;
}

/** Waits until the body has bytes, ended, failed or closed; the idle timeout fails it. */
function whenReadable(response: IncomingMessage, fail: () => Error): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const done = (err?: Error): void => {
      clearTimeout(timer);
      response.off('readable', onReady);
      response.off('end', onReady);
      response.off('close', onReady);
      response.off('error', onError);
      if (err === undefined) resolve();
      else reject(err);
    };
    const onReady = (): void => {
      done();
    };
    const onError = (err: Error): void => {
      done(err);
    };
    const timer = setTimeout(() => {
      done(fail());
    }, READ_IDLE_TIMEOUT_MS);
    response.once('readable', onReady);
    response.once('end', onReady);
    response.once('close', onReady);
    response.once('error', onError);
  });
}

/** The next raw bytes of the body, or null at its end. */
async function nextRaw(pluginId: string, stream: OpenStream): Promise<Buffer | null> {
  const { response } = stream;
  for (;;) {
    const available = response.readableLength;
    const data = (
      available > MAX_CHUNK_BYTES ? response.read(MAX_CHUNK_BYTES) : response.read()
    ) as Buffer | null;
    if (data !== null) return data;
    if (response.readableEnded) return null;
    if (response.destroyed || response.errored !== null) {
      const code = (response.errored as { code?: unknown } | null)?.code;
      throw failed(
        `${pluginId}: reading the response of ${stream.origin} failed: ${typeof code === 'string' ? code : 'the connection closed before the body ended'}`,
      );
    }
    await whenReadable(response, () =>
      failed(
        `${pluginId}: reading the response of ${stream.origin} timed out after ${READ_IDLE_TIMEOUT_MS} ms`,
      ),
    );
  }
}

/** Passes raw body bytes (null: the end) through the quota and the redactor into `pending`. */
function accept(options: StreamRegistryOptions, stream: OpenStream, raw: Buffer | null): void {
  const before = stream.redactor.found.size;
  let released: Buffer;
  if (raw === null) {
    stream.ended = true;
    released = stream.redactor.end();
  } else {
    options.countBytes(stream.callId, raw.length);
    released = stream.redactor.push(raw);
  }
  if (stream.redactor.found.size > before) options.onSecretFound?.(stream.origin, [...stream.redactor.found]);
  if (released.length > 0) stream.pending = released;
}

/** Takes the next hand-over from `pending` (null when nothing is pending). */
function takePending(stream: OpenStream): { done: boolean; chunk: string } | null {
  if (stream.pending === null) return null;
  const out = stream.pending.subarray(0, MAX_CHUNK_BYTES);
  const rest = stream.pending.subarray(MAX_CHUNK_BYTES);
  stream.pending = rest.length > 0 ? rest : null;
  return { done: false, chunk: out.toString('base64') };
}

/**
 * Open response bodies of one plugin, read with `fetch.read`. Each read hands over everything that has arrived
 * since the last one (up to MAX_CHUNK_BYTES), so a fast stream costs one message per batch, not per packet,
 * and a slow one (tokens of a model) is handed over as soon as each part arrives. Bodies pass the secret
 * redactor on the way.
 */
export function createStreamRegistry(options: StreamRegistryOptions): StreamRegistry {
  const streams = new Map<string, OpenStream & { onClose: () => void }>();

  const close = (stream: OpenStream & { onClose: () => void }): void => {
    if (!streams.delete(stream.id)) return;
    stream.detach();
    // A body read to its end has given its connection back to the keep-alive pool; anything else is cut.
    if (!stream.response.readableEnded) stream.response.destroy();
    stream.onClose();
  };

  const find = (streamId: string, callId: string): OpenStream & { onClose: () => void } => {
    const stream = streams.get(streamId);
    if (stream?.callId !== callId) {
      throw badRequest(
        `${options.pluginId}: no open response stream ${JSON.stringify(streamId.slice(0, 64))} in this call`,
      );
    }
    return stream;
  };

  /** Hands over pending bytes or the end; null when nothing is ready yet. */
  const handOver = (
    stream: OpenStream & { onClose: () => void },
  ): { done: boolean; chunk: string } | null => {
    const out = takePending(stream);
    if (out !== null || !stream.ended) return out;
    close(stream);
    return { done: true, chunk: '' };
  };

  const readChunk = async (
    stream: OpenStream & { onClose: () => void },
  ): Promise<{ done: boolean; chunk: string }> => {
    for (;;) {
      if (stream.failure !== undefined) throw stream.failure;
      const out = handOver(stream);
      if (out !== null) return out;
      let raw: Buffer | null;
      try {
        raw = await nextRaw(options.pluginId, stream);
      } catch (err) {
        if (isRokuError(err)) throw err;
        const code = (err as { code?: unknown }).code;
        throw failed(
          `${options.pluginId}: reading the response of ${stream.origin} failed: ${typeof code === 'string' ? code : (err as Error).message}`,
          err,
        );
      }
      accept(options, stream, raw);
    }
  };

  return {
    open(callId, origin, response, { signal, redactor, onClose }) {
      const id = randomUUID();
      const onAbort = (): void => {
        const stream = streams.get(id);
        if (stream !== undefined) close(stream);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      // Errors surface through reads; without a listener a reset connection would be an uncaught error.
      const swallow = (): void => undefined;
      response.on('error', swallow);
      streams.set(id, {
        id,
        callId,
        origin,
        response,
        redactor,
        pending: null,
        failure: undefined,
        ended: false,
        tail: Promise.resolve(),
        onClose,
        detach: () => {
          signal?.removeEventListener('abort', onAbort);
        },
      });
      if (signal?.aborted === true) onAbort();
      return id;
    },

    async read(streamId, callId) {
      const stream = find(streamId, callId);
      const run = stream.tail.then(() => readChunk(stream));
      stream.tail = run.catch(() => {
        close(stream);
      });
      return await run;
    },

    ready(streamId, callId) {
      const stream = find(streamId, callId);
      const { response } = stream;
      if (stream.pending === null && !stream.ended && response.errored === null) {
        const raw = (
          response.readableLength > MAX_CHUNK_BYTES ? response.read(MAX_CHUNK_BYTES) : response.read()
        ) as Buffer | null;
        try {
          if (raw !== null) accept(options, stream, raw);
          else if (response.readableEnded) accept(options, stream, null);
        } catch (err) {
          // over a quota: the response itself arrived, so the body read reports it, as for later bytes
          stream.failure = err instanceof Error ? err : failed(`${options.pluginId}: ${String(err)}`);
        }
      }
      return handOver(stream) ?? { done: false, chunk: '' };
    },

    cancel(streamId, callId) {
      // a stream that ended (or closed with its call) has nothing left to cancel; another call's is refused
      if (streams.has(streamId)) close(find(streamId, callId));
    },

    closeCall(callId) {
      for (const stream of streams.values()) if (stream.callId === callId) close(stream);
    },

    closeAll() {
      for (const stream of streams.values()) close(stream);
    },
  };
}
