// The trusted entry the runner calls. It is captured before any plugin code runs, and it guarantees that
// only a string crosses back: 'R' + the plugin's JSON, or 'E' + a WireError JSON for sandbox-level problems
// (bad or oversized output). Everything that touches plugin values (getters, Proxies, thenables) runs here,
// inside the isolate, under the runner's CPU timeout or watchdog; nothing plugin-owned is returned or thrown.
import {
  JSONparse,
  JSONstringify,
  MAX_JSON_DEPTH,
  callScope,
  capsSent,
  deliverReply,
  exceedsJsonDepth,
  exceedsUtf8,
} from './bridge.js';
import { fireTimer } from './timers.js';

const G = globalThis;
const ReflectApply = Reflect.apply;
const StringSlice = String.prototype.slice;
const slice = (s, n) => ReflectApply(StringSlice, s, [0, n]);
const isArray = Array.isArray;
const PromiseThen = Promise.prototype.then;
const ObjectCreate = Object.create;

const MAX_ERROR_CODE = 200;
const MAX_ERROR_MESSAGE = 8192;

const sandboxError = (code, message, details) =>
  `E${JSONstringify(details === undefined ? { code, message } : { code, message, details })}`;

function readAbi(method) {
  const abi = G.__roku_abi;
  if (abi === null || (typeof abi !== 'object' && typeof abi !== 'function')) return null;
  const fn = abi[method];
  return typeof fn === 'function' ? { abi, fn } : null;
}

/** A thrown value read defensively: its string `code` (default PLUGIN_ERROR) and `message`. */
function errorFields(e) {
  let code = 'PLUGIN_ERROR';
  let message = 'the plugin threw a value that is not an Error';
  try {
    if (typeof e === 'string') message = e;
    else if (e !== null && (typeof e === 'object' || typeof e === 'function')) {
      const c = e.code;
      if (typeof c === 'string' && c !== '') code = c;
      const m = e.message;
      if (typeof m === 'string') message = m;
    }
  } catch {
    message = 'the plugin threw an error whose properties cannot be read';
  }
  return { code: slice(code, MAX_ERROR_CODE), message: slice(message, MAX_ERROR_MESSAGE) };
}

const pluginError = (e) => `R${JSONstringify({ ok: false, error: errorFields(e) })}`;

function isCallResponse(r) {
  if (r === null || typeof r !== 'object' || isArray(r)) return false;
  if (r.ok === true) return 'value' in r;
  if (r.ok !== false) return false;
  const e = r.error;
  return e !== null && typeof e === 'object' && typeof e.code === 'string' && typeof e.message === 'string';
}

/** How every CallResponse with a value the SDK makes begins (`JSON.stringify({ ok: true, value })`). */
const OK_PREFIX = '{"ok":true,"value":';
const StringStartsWith = String.prototype.startsWith;

/**
 * True when `out` is the SDK's form of a successful CallResponse: then it is one as soon as it is JSON, which
 * the host checks strictly (refusing a duplicated key) before it reads anything, so no second parse is needed
 * here to learn its shape.
 */
const isOkResponseText = (out) =>
  ReflectApply(StringStartsWith, out, [OK_PREFIX]) && out[out.length - 1] === '}';

function checkOutput(out, maxBytes, what, validate) {
  if (typeof out !== 'string') {
    return sandboxError(
      'ROKU_SANDBOX_BAD_OUTPUT',
      `${what} must produce a JSON string, not ${out === null ? 'null' : typeof out}`,
    );
  }
  if (exceedsUtf8(out, maxBytes)) {
    return sandboxError('ROKU_SANDBOX_OUTPUT_TOO_LARGE', `${what} produced more than ${maxBytes} bytes`, {
      limitBytes: maxBytes,
    });
  }
  if (exceedsJsonDepth(out, MAX_JSON_DEPTH)) {
    return sandboxError(
      'ROKU_SANDBOX_OUTPUT_TOO_DEEP',
      `${what} produced JSON nested more than ${MAX_JSON_DEPTH} levels deep`,
      { limitDepth: MAX_JSON_DEPTH },
    );
  }
  if (validate === isCallResponse && isOkResponseText(out)) return `R${out}`;
  let parsed;
  try {
    parsed = JSONparse(out);
  } catch {
    return sandboxError('ROKU_SANDBOX_BAD_OUTPUT', `${what} produced a string that is not JSON`);
  }
  if (!validate(parsed))
    return sandboxError('ROKU_SANDBOX_BAD_OUTPUT', `${what} produced JSON of the wrong shape`);
  return `R${out}`;
}

function describe(maxBytes) {
  let out;
  try {
    const m = readAbi('describe');
    if (m === null)
      return sandboxError(
        'ROKU_SANDBOX_LOAD_FAILED',
        'the bundle did not set globalThis.__roku_abi.describe',
      );
    out = ReflectApply(m.fn, m.abi, []);
  } catch (e) {
    return sandboxError('ROKU_SANDBOX_LOAD_FAILED', `describe() threw: ${errorFields(e).message}`);
  }
  return checkOutput(out, maxBytes, 'describe()', (d) => d !== null && typeof d === 'object' && !isArray(d));
}

async function call(id, requestJson, maxBytes) {
  let pending;
  // caps requested during the synchronous part of the call are attributed to it (see bridge.js)
  callScope.current = id;
  try {
    const m = readAbi('call');
    if (m === null)
      return sandboxError('ROKU_SANDBOX_BAD_OUTPUT', 'the plugin has no globalThis.__roku_abi.call');
    pending = ReflectApply(m.fn, m.abi, [requestJson]);
  } catch (e) {
    return pluginError(e);
  } finally {
    callScope.current = 0;
  }
  let out;
  try {
    out = await pending;
  } catch (e) {
    return pluginError(e);
  }
  return checkOutput(out, maxBytes, 'call()', isCallResponse);
}

/**
 * Calls started by `start` (the runner's synchronous fast path), by runner call id: a null-prototype record the
 * plugin cannot reach or patch, of null-prototype records `{ out, pending, capsBefore }` — the outcome string
 * once the call settled, its promise, and the count of capability requests sent before it started. `take` or
 * `wait` removes each.
 */
const started = ObjectCreate(null);

/** Starts a call and records its outcome when it settles (within this entry's microtask checkpoint if it never awaits the host). */
function start(id, requestJson, maxBytes) {
  const record = ObjectCreate(null);
  record.out = undefined;
  record.capsBefore = capsSent.count;
  started[id] = record;
  const pending = call(id, requestJson, maxBytes);
  record.pending = pending;
  // the captured `then` of our own native promise: nothing the plugin patched runs here
  ReflectApply(PromiseThen, pending, [
    (out) => {
      record.out = out;
    },
    (e) => {
      record.out = sandboxError('ROKU_SANDBOX_BAD_OUTPUT', `entry failed: ${errorFields(e).message}`);
    },
  ]);
  return '';
}

/**
 * The outcome of a started call if it has settled, else '' (then the runner waits for it with `wait`). When
 * capability requests were sent meanwhile, the outcome is prefixed with `C<count>:` (so the runner waits for
 * them to arrive before it ends the call they belong to).
 */
function take(id) {
  const record = started[id];
  if (record === undefined) return sandboxError('ROKU_SANDBOX_BAD_OUTPUT', 'no such call');
  const out = record.out;
  if (out === undefined) return '';
  // eslint-disable-next-line @typescript-eslint/no-dynamic-delete -- a null-prototype record, see above
  delete started[id];
  return withSent(out, record.capsBefore);
}

/**
 * `out` prefixed with `C<n>:` when the call sent capability requests since `before` (n: how many this realm has
 * sent in all), so the runner ends the call only once all of them have reached it.
 */
function withSent(out, before) {
  const total = capsSent.count;
  return total > before && typeof out === 'string' ? `C${total}:${out}` : out;
}

/** The outcome of a started call, as a promise if it has not settled yet. */
function wait(id) {
  const record = started[id];
  // eslint-disable-next-line @typescript-eslint/no-dynamic-delete -- a null-prototype record, see above
  delete started[id];
  if (record === undefined) return sandboxError('ROKU_SANDBOX_BAD_OUTPUT', 'no such call');
  if (record.out !== undefined) return withSent(record.out, record.capsBefore);
  const collect = () =>
    withSent(
      typeof record.out === 'string' ? record.out : sandboxError('ROKU_SANDBOX_BAD_OUTPUT', 'call lost'),
      record.capsBefore,
    );
  return ReflectApply(PromiseThen, record.pending, [collect, collect]);
}

function reportTimerError(e) {
  const { message } = errorFields(e);
  try {
    G.console.error(`uncaught error in a timer callback: ${message}`);
  } catch {
    // console replaced by the plugin; nothing else to report to
  }
}

/**
 * entry('describe', maxBytes) -> string
 * entry('call', runnerCallId, requestJson, maxBytes) -> Promise<string>
 * entry('start', runnerCallId, requestJson, maxBytes) -> '' (then 'take' or 'wait' gets the outcome)
 * entry('take', runnerCallId) -> string, '' while the call has not settled
 * entry('wait', runnerCallId) -> string | Promise<string>
 * entry('timer', timerId) -> ''
 * entry('reply', replyId, responseJson) -> '' (resumes the capability request waiting for that reply)
 */
export function entry(kind, a, b, c) {
  try {
    if (kind === 'call') {
      const before = capsSent.count;
      return ReflectApply(PromiseThen, call(a, b, c), [(out) => withSent(out, before)]);
    }
    if (kind === 'start') return start(a, b, c);
    if (kind === 'take') return take(a);
    if (kind === 'wait') return wait(a);
    if (kind === 'describe') return describe(a);
    if (kind === 'reply') {
      deliverReply(a, b);
      return '';
    }
    if (kind === 'timer') {
      fireTimer(a, reportTimerError);
      return '';
    }
  } catch (e) {
    return sandboxError('ROKU_SANDBOX_BAD_OUTPUT', `entry failed: ${errorFields(e).message}`);
  }
  return sandboxError('ROKU_SANDBOX_BAD_OUTPUT', 'unknown entry kind');
}
