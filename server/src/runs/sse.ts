import type { FastifyReply, FastifyRequest } from 'fastify';
import type { EventLog, NumberedEvent } from './event-log.js';
import { batchedWriter } from '../http/batched-writes.js';

export interface StreamOptions {
  /** Events after this id are sent (Last-Event-ID of a reconnect; 0 from the start). */
  readonly lastEventId: number;
  readonly heartbeatMs: number;
  /** Whether more events may come (the run is queued, running, or about to run). */
  readonly live: () => boolean;
  /** The JSON of the closing `end` event (the run as it stands). */
  readonly endData: () => unknown;
  /** Extra response headers (run id, …). */
  readonly headers?: Record<string, string>;
}

/** The Last-Event-ID a client sends on reconnect (header, or `lastEventId` in the query for EventSource polyfills). */
export function lastEventIdOf(request: FastifyRequest): number {
  const header = request.headers['last-event-id'];
  const query = (request.query as { lastEventId?: unknown } | undefined)?.lastEventId;
  const raw =
    typeof header === 'string'
      ? header
      : typeof query === 'string' || typeof query === 'number'
        ? String(query)
        : '';
  const n = Number.parseInt(raw, 10);
  return Number.isFinite(n) && n > 0 ? n : 0;
}

function frame(item: NumberedEvent): string {
  return `id: ${item.id}\nevent: ${item.event.type}\ndata: ${JSON.stringify(item.event)}\n\n`;
}

/**
 * Streams a run's events as SSE: every event after `lastEventId` from the log, then live ones, then an `end`
 * event (no id, so it never moves a client's Last-Event-ID). A comment line goes out after `heartbeatMs` of
 * silence. The client going away only stops this stream; the run goes on.
 */
export function streamEvents(
  request: FastifyRequest,
  reply: FastifyReply,
  log: EventLog,
  opts: StreamOptions,
): void {
  reply.hijack();
  const res = reply.raw;
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache, no-transform',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
    'x-request-id': request.id,
    'x-trace-id': request.traceId,
    ...opts.headers,
  });
  const out = batchedWriter(res);
  const write = out.write;
  write('retry: 1000\n\n');
  // Hijacked replies skip fastify's response hooks: the stream logs itself, with the request's ids.
  request.log.info(
    { route: request.routeOptions.url, lastEventId: opts.lastEventId, ...opts.headers },
    'stream opened',
  );
  let closed = false;
  let heartbeat: NodeJS.Timeout | undefined;
  // One timer per stream, not one per event: an event only moves the time of the last write, and the timer, when
  // it fires early, waits out the rest of the silence (a streamed answer has hundreds of events a second).
  let lastWrite = Date.now();
  const arm = (delay: number): void => {
    heartbeat = setTimeout(() => {
      if (closed) return;
      const silent = Date.now() - lastWrite;
      if (silent >= opts.heartbeatMs) {
        write(': heartbeat\n\n');
        lastWrite = Date.now();
        arm(opts.heartbeatMs);
      } else {
        arm(opts.heartbeatMs - silent);
      }
    }, delay);
    heartbeat.unref();
  };
  const beat = (): void => {
    lastWrite = Date.now();
    if (heartbeat === undefined) arm(opts.heartbeatMs);
  };
  const finish = (): void => {
    if (closed) return;
    closed = true;
    clearTimeout(heartbeat);
    unsubscribe();
    out.end(`event: end\ndata: ${JSON.stringify(opts.endData())}\n\n`);
  };
  // Replay and subscribe in one synchronous turn: no event can fall between them.
  let sent = opts.lastEventId;
  for (const item of log.since(sent)) {
    write(frame(item));
    sent = item.id;
  }
  const unsubscribe = log.listen((item) => {
    if (closed) return;
    if (item === 'end') {
      // A queued run's log has not opened yet; a leg that ended may be followed by an approval's resume.
      if (!opts.live()) finish();
      return;
    }
    if (item.id <= sent) return;
    sent = item.id;
    write(frame(item));
    beat();
  });
  request.raw.on('close', () => {
    if (!closed) request.log.info({ sent }, 'stream left by the client');
    closed = true;
    clearTimeout(heartbeat);
    unsubscribe();
  });
  if (!opts.live()) finish();
  else beat();
}
