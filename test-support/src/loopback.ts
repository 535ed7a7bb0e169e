import { once } from 'node:events';
import { createServer } from 'node:http';
import type { IncomingHttpHeaders, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { cleanUpAfterUse } from './scope.js';

/** A request as the server received it, body included. */
export interface RecordedRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

/** Answers a request once its body has arrived; `server` is the server's own address. */
export type LoopbackHandler = (
  request: RecordedRequest,
  res: ServerResponse,
  server: { readonly port: number; readonly origin: string },
) => void;

export interface LoopbackServer {
  readonly port: number;
  /** `http://127.0.0.1:<port>` */
  readonly origin: string;
  /** Every request received, in order. */
  readonly requests: readonly RecordedRequest[];
  /** Stops listening and drops open connections; also done after the test (or the file) that started it. */
  close(): Promise<void>;
}

/** Echoes the request as JSON. */
const echo: LoopbackHandler = (request, res) => {
  res.setHeader('content-type', 'application/json');
  res.end(JSON.stringify(request));
};

/**
 * A real HTTP server on 127.0.0.1 at a free port that records every request and answers with `handler`
 * (default: the request echoed as JSON). It is closed when the test that started it finishes, or after the
 * file when started in beforeAll.
 *
 * @example
 * const api = await startLoopbackServer((req, res) => res.end(req.url));
 * await fetch(`${api.origin}/hello`);
 */
export async function startLoopbackServer(handler: LoopbackHandler = echo): Promise<LoopbackServer> {
  const requests: RecordedRequest[] = [];
  const address = { port: 0, origin: '' };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const request: RecordedRequest = {
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      };
      requests.push(request);
      handler(request, res, address);
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  address.port = (server.address() as AddressInfo).port;
  address.origin = `http://127.0.0.1:${address.port}`;
  let closed: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closed ??= new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => {
        resolve();
      });
    });
    return closed;
  };
  cleanUpAfterUse(close);
  return { port: address.port, origin: address.origin, requests, close };
}
