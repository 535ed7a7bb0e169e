// The runner bridge. The runner hands two isolated-vm References to __roku_boot; they are captured here and
// never reachable from plugin code. Every value crossing them is a string or a number.

/** Intrinsics captured before plugin code runs, so a plugin patching them cannot confuse the prelude. */
export const JSONparse = JSON.parse;
const ReflectApply = Reflect.apply;
export const JSONstringify = JSON.stringify;
const PromiseCtor = Promise;
const PromiseThen = Promise.prototype.then;
const PromiseResolve = Promise.resolve;
/** A promise of `value` made with the captured intrinsics (the plugin may have replaced the global Promise). */
const resolvedWith = (value) => ReflectApply(PromiseResolve, PromiseCtor, [value]);

// Set by installBridge, from __roku_boot, before any plugin code runs.
let capRef = /** @type {IvmReference} */ (/** @type {unknown} */ (null));
let syncRef = /** @type {IvmReference} */ (/** @type {unknown} */ (null));
let maxCapBytes = 8 * 1024 * 1024;

/** The runner call id of the call whose synchronous part is executing (0 outside of calls). */
export const callScope = { current: 0 };

/**
 * Capability requests handed to the runner so far. A call the runner entered synchronously learns from it how
 * many requests it must see arrive before the call may end (they reach it only once it leaves the isolate).
 */
export const capsSent = { count: 0 };

/**
 * @param {IvmReference} cap
 * @param {IvmReference} sync
 * @param {number} maxBytes
 */
export function installBridge(cap, sync, maxBytes) {
  capRef = cap;
  syncRef = sync;
  maxCapBytes = maxBytes;
}

/** True when the UTF-8 encoding of `s` is longer than `max` bytes (counts only when it has to). */
export function exceedsUtf8(s, max) {
  if (s.length > max) return true;
  if (s.length * 3 <= max) return false;
  return utf8ByteLength(s) > max;
}

/** Deepest nesting of arrays and objects a JSON text may have; the host checks the same (safe-json.ts). */
export const MAX_JSON_DEPTH = 256;
/** Capability requests nested deeper are refused before they leave the isolate (the host allows 64 levels). */
const MAX_CAP_DEPTH = 66;

/**
 * True when the JSON text `s` nests arrays/objects deeper than `max`. One pass over the characters, skipping
 * strings, before anything parses it: a parser given a million levels runs out of memory or stack first.
 */
export function exceedsJsonDepth(s, max) {
  let depth = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x22) {
      i = stringEnd(s, i);
      if (i < 0) return false;
    } else if (c === 0x5b || c === 0x7b) {
      if (++depth > max) return true;
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return false;
}

const StringIndexOf = String.prototype.indexOf;

/**
 * Index of the quote closing the string that opens at `open`, or -1 when it is not closed. Jumps from quote
 * to quote with the native indexOf (long strings are what outputs mostly are), skipping escaped ones.
 */
function stringEnd(s, open) {
  let at = open;
  for (;;) {
    at = ReflectApply(StringIndexOf, s, ['"', at + 1]);
    if (at < 0) return -1;
    let backslashes = 0;
    while (s.charCodeAt(at - 1 - backslashes) === 0x5c) backslashes++;
    if (backslashes % 2 === 0) return at;
  }
}

export function utf8ByteLength(s) {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      n += 4;
      i++;
    } else n += 3;
  }
  return n;
}

const errorResponse = (code, message) => JSONstringify({ ok: false, error: { code, message } });

// Requests waiting on the host, counted before a request leaves the isolate: each one is copied into the
// shared runner, which the plugin's own memory limit does not cover. The runner enforces the same caps again.
// The count is per call (a provider serving hundreds of sessions at once is not refused for that), the bytes
// per plugin; a null-prototype object, so no plugin-replaced intrinsic takes part in the bookkeeping.
const MAX_PENDING_REQUESTS = 256;
const MAX_PENDING_BYTES = 16 * 1024 * 1024;
const pending = { count: 0, bytes: 0 };
const pendingPerCall = Object.create(null);

/**
 * Sends a CapabilityRequest JSON to the runner and resolves with the CapabilityResponse JSON. Never rejects:
 * failures come back as `{ ok: false, error }` responses.
 * `callId` (optional) is the CallRequest.callId string of the call making the request; it lets the runner
 * attribute requests made after an `await` when several calls of the plugin run concurrently.
 */
export function capJson(requestJson, callId) {
  if (typeof requestJson !== 'string') {
    return resolvedWith(
      errorResponse('ROKU_CAPABILITY_BAD_REQUEST', 'capability request must be a JSON string'),
    );
  }
  if (exceedsUtf8(requestJson, maxCapBytes)) {
    return resolvedWith(
      errorResponse('ROKU_CAPABILITY_LIMIT', `capability request exceeds ${maxCapBytes} bytes`),
    );
  }
  if (exceedsJsonDepth(requestJson, MAX_CAP_DEPTH)) {
    // the host refuses deeper requests anyway; refusing here spares it parsing millions of levels
    return resolvedWith(
      errorResponse(
        'ROKU_CAPABILITY_BAD_REQUEST',
        `capability request is nested deeper than ${MAX_CAP_DEPTH} levels`,
      ),
    );
  }
  const bytes = requestJson.length;
  const hint = typeof callId === 'string' ? callId : '';
  const ofCall = pendingPerCall[hint] ?? 0;
  if (ofCall >= MAX_PENDING_REQUESTS || pending.bytes + bytes > MAX_PENDING_BYTES) {
    return resolvedWith(
      errorResponse(
        'ROKU_CAPABILITY_LIMIT',
        `too many capability requests in flight (${ofCall} of this call, ${pending.bytes} bytes)`,
      ),
    );
  }
  pending.count += 1;
  capsSent.count += 1;
  pending.bytes += bytes;
  pendingPerCall[hint] = ofCall + 1;
  // the runner takes requests in the order they were sent: its reply means the one-way sends before it arrived
  const sentBefore = oneWay.sent;
  const sentBytesBefore = oneWay.bytes;
  const settle = () => {
    if (sentBefore > oneWay.acked) oneWay.acked = sentBefore;
    if (sentBytesBefore > oneWay.ackedBytes) oneWay.ackedBytes = sentBytesBefore;
    pending.count -= 1;
    pending.bytes -= bytes;
    const left = pendingPerCall[hint] - 1;
    if (left > 0) pendingPerCall[hint] = left;
    // eslint-disable-next-line @typescript-eslint/no-dynamic-delete -- a null-prototype counter; a Map's methods could be replaced by the plugin
    else delete pendingPerCall[hint];
  };
  // The request goes one-way; the runner hands the reply back through the entry ('reply'), so the code the
  // reply resumes runs inside a runner-started entry call (timed, and seen by the runner), never on its own.
  const replyId = ++replies.last;
  const answered = new PromiseCtor((resolve) => {
    replies.waiting[replyId] = resolve;
  });
  try {
    capRef.applyIgnored(undefined, [requestJson, hint, callScope.current, 2, replyId]);
  } catch {
    // the runner let go of the realm (it was released)
    deliverReply(replyId, errorResponse('ROKU_CAPABILITY_FAILED', 'the runner did not take the request'));
  }
  return ReflectApply(PromiseThen, answered, [
    (r) => {
      settle();
      return r;
    },
  ]);
}

/** Requests waiting for their reply, by reply id (a null-prototype record: nothing the plugin can patch). */
const replies = { last: 0, waiting: Object.create(null) };

/** Resolves the request `replyId` with the runner's reply (the runner calls it through the entry). */
export function deliverReply(replyId, responseJson) {
  const resolve = replies.waiting[replyId];
  if (resolve === undefined) return;
  // eslint-disable-next-line @typescript-eslint/no-dynamic-delete -- a null-prototype record, see above
  delete replies.waiting[replyId];
  resolve(
    typeof responseJson === 'string'
      ? responseJson
      : errorResponse('ROKU_CAPABILITY_FAILED', 'bad runner reply'),
  );
}

// One-way requests (emit, log) get no reply: the runner forwards each as it arrives. Until a later request's
// reply shows they arrived, they sit in the runner's queue, outside the plugin's memory limit: past these
// bounds a send waits for a reply like any request (which also acknowledges everything sent before it).
const MAX_UNACKED_SENDS = 1024;
const MAX_UNACKED_BYTES = 8 * 1024 * 1024;
const oneWay = { sent: 0, bytes: 0, acked: 0, ackedBytes: 0 };

/**
 * Sends a CapabilityRequest JSON without waiting for a reply (the host serves only `emit`, `log` and
 * `fetch.cancel` so).
 * Returns undefined when it went one-way; otherwise (too many unacknowledged sends, or a request the checks of
 * capJson refuse) the promise of its CapabilityResponse JSON, as capJson gives.
 */
export function sendJson(requestJson, callId) {
  if (
    typeof requestJson !== 'string' ||
    exceedsUtf8(requestJson, maxCapBytes) ||
    exceedsJsonDepth(requestJson, MAX_CAP_DEPTH) ||
    oneWay.sent - oneWay.acked >= MAX_UNACKED_SENDS ||
    oneWay.bytes + requestJson.length - oneWay.ackedBytes > MAX_UNACKED_BYTES
  ) {
    return capJson(requestJson, callId);
  }
  const hint = typeof callId === 'string' ? callId : '';
  try {
    capRef.applyIgnored(undefined, [requestJson, hint, callScope.current, 1]);
  } catch {
    return capJson(requestJson, callId);
  }
  // counted once handed over: a call ends only after every counted request has reached the runner
  oneWay.sent += 1;
  oneWay.bytes += requestJson.length;
  capsSent.count += 1;
  return undefined;
}

/** A Roku error raised inside the isolate from a capability failure; matched by `code`. */
export class CapabilityError extends Error {
  constructor(error) {
    super((error && error.message) || 'capability failed');
    this.name = 'CapabilityError';
    this.code = (error && error.code) || 'ROKU_CAPABILITY_FAILED';
  }
}

/** Calls a capability op with an args object; resolves with its value or rejects with CapabilityError. */
export async function cap(op, args) {
  const r = JSONparse(await capJson(JSONstringify({ op, args })));
  if (!r || r.ok !== true) throw new CapabilityError(r && r.error);
  return r.value;
}

/**
 * Sends a capability op whose outcome nobody waits for (fetch.cancel) without a reply where it can go
 * one-way; otherwise as a request whose reply is ignored (capJson never rejects).
 */
export function sendOp(op, args) {
  sendJson(JSONstringify({ op, args }), undefined);
}

/** Synchronous runner services (timers, random bytes). Returns the runner's string reply. */
export function hostSync(op, a, b, c) {
  return syncRef.applySync(undefined, [op, a, b, c]);
}
