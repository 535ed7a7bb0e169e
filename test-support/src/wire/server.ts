import type { ServerResponse } from 'node:http';
import { startLoopbackServer } from '../loopback.js';
import type { RecordedRequest } from '../loopback.js';

/**
 * What the wire server sends for one request:
 * - `sse`: a `text/event-stream` body written in pieces cut at arbitrary byte offsets (mid-line, mid-UTF-8),
 *   then `end` (default), `reset` (the socket is destroyed) or `hang` (nothing more, the response never ends);
 * - `json`: one JSON body with a status and headers (errors, `GET /models`);
 * - `hang`: headers never come;
 * - `oversize`: a 200 stream of `bytes` bytes of SSE comments, for response caps.
 */
export type WireReply =
  | {
      readonly kind: 'sse';
      readonly frames: readonly string[];
      readonly status?: number;
      readonly headers?: Readonly<Record<string, string>>;
      readonly then?: 'end' | 'reset' | 'hang';
      /** Byte offsets are cut every `cut` bytes plus a varying remainder (default 7). */
      readonly cut?: number;
    }
  | {
      readonly kind: 'json';
      readonly status: number;
      readonly body: unknown;
      readonly headers?: Readonly<Record<string, string>>;
    }
  | { readonly kind: 'hang' }
  | { readonly kind: 'oversize'; readonly bytes: number };

/** A request the wire server received, with its JSON body parsed (null when it had none). */
export interface WireRequest extends RecordedRequest {
  readonly json: unknown;
}

export interface WireServer {
  /** `http://127.0.0.1:<port>` */
  readonly origin: string;
  readonly requests: readonly WireRequest[];
  /** Replies for the next requests other than GETs, in order; once used up (and for GETs), `fallback` answers. */
  enqueue(...replies: WireReply[]): void;
  close(): Promise<void>;
}

/** One SSE frame: `event:` line when named, then the JSON data. */
export function sseFrame(data: unknown, event?: string): string {
  return `${event === undefined ? '' : `event: ${event}\n`}data: ${typeof data === 'string' ? data : JSON.stringify(data)}\n\n`;
}

function tick(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Writes the body in pieces of varying sizes, yielding between writes so that the client reads them apart. */
async function writeCut(res: ServerResponse, body: Buffer, cut: number): Promise<boolean> {
  let offset = 0;
  for (let i = 0; offset < body.length; i += 1) {
    const size = Math.max(1, cut + ((i * 5) % 11) - 5);
    if (res.destroyed) return false;
    res.write(body.subarray(offset, offset + size));
    offset += size;
    await tick();
  }
  return true;
}

async function send(reply: WireReply, res: ServerResponse): Promise<void> {
  switch (reply.kind) {
    case 'hang':
      return;
    case 'json':
      res.writeHead(reply.status, { 'content-type': 'application/json', ...reply.headers });
      res.end(JSON.stringify(reply.body));
      return;
    case 'oversize': {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      const line = Buffer.from(`: ${'x'.repeat(1021)}\n`);
      for (let sent = 0; sent < reply.bytes && !res.destroyed; sent += line.length) {
        if (!res.write(line)) await new Promise((resolve) => res.once('drain', resolve));
      }
      res.end();
      return;
    }
    case 'sse': {
      res.writeHead(reply.status ?? 200, {
        'content-type': 'text/event-stream',
        'cache-control': 'no-cache',
        ...reply.headers,
      });
      const complete = await writeCut(res, Buffer.from(reply.frames.join(''), 'utf8'), reply.cut ?? 7);
      if (!complete) return;
      if (reply.then === 'reset') res.socket?.destroy();
      else if (reply.then !== 'hang') res.end();
    }
  }
}

/**
 * A loopback HTTP server that speaks whatever wire format the test scripts: each request takes the next queued
 * reply, else `fallback(request)`. Shared by the provider plugins' tests and the providers benchmark.
 *
 * @example
 * const api = await startWireServer(() => chatCompletionsReply({ text: 'Hi' }));
 * api.enqueue({ kind: 'json', status: 429, body: { error: { message: 'slow down' } }, headers: { 'retry-after': '1' } });
 */
export async function startWireServer(fallback: (request: WireRequest) => WireReply): Promise<WireServer> {
  const queue: WireReply[] = [];
  const requests: WireRequest[] = [];
  const server = await startLoopbackServer((recorded, res) => {
    let json: unknown;
    try {
      json = recorded.body === '' ? null : JSON.parse(recorded.body);
    } catch {
      json = null;
    }
    const request: WireRequest = { ...recorded, json };
    requests.push(request);
    // Queued replies are for model requests: a GET (a provider asking for its model list) never takes one.
    const reply = (request.method === 'GET' ? undefined : queue.shift()) ?? fallback(request);
    send(reply, res).catch(() => {
      res.destroy();
    });
  });
  return {
    origin: server.origin,
    requests,
    enqueue: (...replies) => {
      queue.push(...replies);
    },
    close: () => server.close(),
  };
}
