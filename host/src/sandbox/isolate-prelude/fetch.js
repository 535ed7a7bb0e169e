// fetch on the fetch.start / fetch.read / fetch.cancel capabilities. Request bodies are buffered; response
// bodies stream. The fetch.start reply carries the bytes that came with the headers, and one fetch.read is
// kept waiting at the host ahead of the reader (a window of READ_AHEAD chunks), so each chunk is handed over
// as it arrives instead of costing a round trip when the plugin asks; a full window stops the reads, so
// back-pressure still reaches the host. Aborting the signal (or cancelling the body) sends fetch.cancel.
import { ReadableStream } from 'web-streams-polyfill';
import { cap, sendOp } from './bridge.js';
import { b64ToBytes, bytesToB64 } from './base64.js';
import { Request, Response, bodyOf, readAll, requestOf } from './body.js';
import { offAbortSignal, onAbortSignal, signalState } from './abort.js';
import { headerPairs } from './headers.js';

const NULL_BODY_STATUS = new Set([101, 103, 204, 205, 304]);
/** Body chunks (each at most 64 KiB) queued in the isolate ahead of the reader. */
const READ_AHEAD = 2;

function networkError(message, cause) {
  return new TypeError(message, { cause });
}

export async function fetch(input, init) {
  // read back through the prelude's own state, not the (replaceable) getters on Request.prototype
  const request = new Request(input, init);
  const req = requestOf(request);
  const sent = bodyOf(request);
  // the Request checked it is a genuine AbortSignal; it is read and listened to through captured functions
  const signal = req.signal;
  const aborted = () => signalState(signal).aborted;
  const reason = () => signalState(signal).reason;
  if (aborted()) throw reason();

  let body = null;
  let bodyEncoding = 'utf8';
  if (sent.text != null) body = sent.text;
  else if (sent.stream) {
    body = bytesToB64(await readAll(sent.stream));
    bodyEncoding = 'base64';
  }

  let streamId = null;
  let finished = false;
  let controller = null;
  const cancelHost = () => {
    // before fetch.start resolved there is nothing to cancel yet; the start path handles that case
    if (finished || streamId === null) return;
    finished = true;
    // one-way: nothing waits for a cancel, and the host's stream may have ended already
    sendOp('fetch.cancel', { streamId });
  };
  const onAbort = () => {
    cancelHost();
    if (controller) {
      try {
        controller.error(reason());
      } catch {
        // the stream is already closed or errored
      }
    }
  };
  onAbortSignal(signal, onAbort);
  const settle = () => {
    finished = true;
    offAbortSignal(signal, onAbort);
  };

  const started = cap('fetch.start', {
    url: req.url,
    method: req.method,
    headers: headerPairs(req.headers),
    body,
    bodyEncoding,
    firstChunk: 'inline',
  });
  let meta;
  try {
    meta = await new Promise((resolve, reject) => {
      started.then(resolve, reject);
      if (aborted()) reject(reason());
      onAbortSignal(signal, () => reject(reason()));
    });
  } catch (e) {
    settle();
    if (aborted()) {
      // the host may still open the stream after the abort: cancel it once it exists
      started.then((m) => sendOp('fetch.cancel', { streamId: m.streamId })).catch(() => undefined);
      throw reason();
    }
    throw networkError('fetch failed', e);
  }
  streamId = meta.streamId;
  if (aborted()) {
    cancelHost();
    throw reason();
  }

  let stream = null;
  if (meta.done === true) finished = true; // the host closed the stream: nothing to cancel
  if (req.method === 'HEAD' || NULL_BODY_STATUS.has(meta.status)) {
    cancelHost();
    settle();
  } else {
    stream = new ReadableStream(
      {
        start(c) {
          controller = c;
          if (typeof meta.chunk === 'string' && meta.chunk !== '') c.enqueue(b64ToBytes(meta.chunk));
          if (meta.done === true) {
            settle();
            c.close();
          }
        },
        async pull(c) {
          let r;
          try {
            r = await cap('fetch.read', { streamId });
          } catch (e) {
            settle();
            if (aborted()) throw reason();
            throw networkError('network error while reading the response body', e);
          }
          if (r.done) {
            settle();
            c.close();
            return;
          }
          if (r.chunk) c.enqueue(b64ToBytes(r.chunk));
        },
        cancel() {
          cancelHost();
          offAbortSignal(signal, onAbort);
        },
      },
      { highWaterMark: READ_AHEAD },
    );
  }
  const res = new Response(null, {
    status: meta.status,
    statusText: meta.statusText,
    headers: meta.headers,
    url: meta.url,
    redirected: meta.redirected,
  });
  bodyOf(res).stream = stream;
  return res;
}
