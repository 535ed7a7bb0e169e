import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { isRokuError } from '@roku/schemas';
import { badRequest, failed } from '../policy.js';

/** Largest chunk one `fetch.read` returns, before base64. */
export const MAX_CHUNK_BYTES = 64 * 1024;
/** Time a pending `fetch.read` waits for the next bytes. */
export const READ_IDLE_TIMEOUT_MS = 30_000;

interface OpenStream {
  readonly id: string;
  readonly callId: string;
  readonly origin: string;
  readonly response: IncomingMessage;
  readonly iterator: AsyncIterator<Buffer>;
  leftover: Buffer | null;
  /** Serialises reads of one stream. */
  tail: Promise<unknown>;
  detach: () => void;
}

export interface StreamRegistry {
  open(callId: string, origin: string, response: IncomingMessage, signal: AbortSignal | undefined): string;
  read(streamId: string, callId: string): Promise<{ done: boolean; chunk: string }>;
  cancel(streamId: string, callId: string): void;
  closeCall(callId: string): void;
  closeAll(): void;
}

export interface StreamRegistryOptions {
  readonly pluginId: string;
  /** Counts bytes read against the call's quota; throws ROKU_CAPABILITY_LIMIT when exceeded. */
  readonly countBytes: (callId: string, bytes: number) => void;
}

/** Open response bodies of one plugin, read chunk by chunk with `fetch.read`. */
export function createStreamRegistry(options: StreamRegistryOptions): StreamRegistry {
  const streams = new Map<string, OpenStream>();

  const close = (stream: OpenStream): void => {
    streams.delete(stream.id);
    stream.detach();
    stream.response.destroy();
  };

  const find = (streamId: string, callId: string): OpenStream => {
    const stream = streams.get(streamId);
    if (stream?.callId !== callId) {
      throw badRequest(
        `${options.pluginId}: no open response stream ${JSON.stringify(streamId.slice(0, 64))} in this call`,
      );
    }
    return stream;
  };

  const nextBuffer = async (stream: OpenStream): Promise<Buffer | null> => {
    let timer: NodeJS.Timeout | undefined;
    try {
      const result = await Promise.race([
        stream.iterator.next(),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => {
            reject(
              failed(
                `${options.pluginId}: reading the response of ${stream.origin} timed out after ${READ_IDLE_TIMEOUT_MS} ms`,
              ),
            );
          }, READ_IDLE_TIMEOUT_MS);
        }),
      ]);
      return result.done === true ? null : result.value;
    } catch (err) {
      if (isRokuError(err)) throw err;
      const code = (err as { code?: unknown }).code;
      throw failed(
        `${options.pluginId}: reading the response of ${stream.origin} failed: ${typeof code === 'string' ? code : (err as Error).message}`,
        err,
      );
    } finally {
      clearTimeout(timer);
    }
  };

  const readChunk = async (stream: OpenStream): Promise<{ done: boolean; chunk: string }> => {
    let buffer = stream.leftover;
    stream.leftover = null;
    if (buffer === null) {
      buffer = await nextBuffer(stream);
      if (buffer === null) {
        close(stream);
        return { done: true, chunk: '' };
      }
      options.countBytes(stream.callId, buffer.length);
    }
    if (buffer.length > MAX_CHUNK_BYTES) {
      stream.leftover = buffer.subarray(MAX_CHUNK_BYTES);
      buffer = buffer.subarray(0, MAX_CHUNK_BYTES);
    }
    return { done: false, chunk: buffer.toString('base64') };
  };

  return {
    open(callId, origin, response, signal) {
      const id = randomUUID();
      const onAbort = (): void => {
        const stream = streams.get(id);
        if (stream !== undefined) close(stream);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      const iterator = response[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
      streams.set(id, {
        id,
        callId,
        origin,
        response,
        iterator,
        leftover: null,
        tail: Promise.resolve(),
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
