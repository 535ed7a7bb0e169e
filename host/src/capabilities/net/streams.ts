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

  const readChunk = async (
    stream: OpenStream & { onClose: () => void },
  ): Promise<{ done: boolean; chunk: string }> => {
    for (;;) {
      if (stream.pending !== null) {
        const out = stream.pending.subarray(0, MAX_CHUNK_BYTES);
        const rest = stream.pending.subarray(MAX_CHUNK_BYTES);
        stream.pending = rest.length > 0 ? rest : null;
        return { done: false, chunk: out.toString('base64') };
      }
      if (stream.ended) {
        close(stream);
        return { done: true, chunk: '' };
      }
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
      const before = stream.redactor.found.size;
      let released: Buffer;
      if (raw === null) {
        stream.ended = true;
        released = stream.redactor.end();
      } else {
        options.countBytes(stream.callId, raw.length);
        released = stream.redactor.push(raw);
      }
      if (stream.redactor.found.size > before)
        options.onSecretFound?.(stream.origin, [...stream.redactor.found]);
      if (released.length > 0) stream.pending = released;
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

    cancel(streamId, callId) {
      close(find(streamId, callId));
    },

    closeCall(callId) {
      for (const stream of streams.values()) if (stream.callId === callId) close(stream);
    },

    closeAll() {
      for (const stream of streams.values()) close(stream);
    },
  };
}
