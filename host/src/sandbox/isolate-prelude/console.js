// console.* forwarded to the `log` capability (fire and forget; the host rate- and size-caps logs).
import { cap, JSONstringify } from './bridge.js';

const MAX_MESSAGE = 16384;
/**
 * Strings longer than this are not read at all: cutting one would first flatten it (a string built by
 * concatenation can claim hundreds of megabytes in a few kilobytes of heap), so it is replaced by a note.
 */
const MAX_READ = 1024 * 1024;

// Captured before plugin code runs; strings are checked by length before they are joined or serialised.
const StringSlice = String.prototype.slice;
const ReflectApply = Reflect.apply;
const cut = (s) => {
  if (s.length > MAX_READ) return `[a string of ${s.length} characters, not logged: more than ${MAX_READ}]`;
  return s.length > MAX_MESSAGE ? ReflectApply(StringSlice, s, [0, MAX_MESSAGE]) : s;
};

/** `Name: message [code]`, then the same of its cause: what a fetch error carries is kept. */
function describeError(e, depth = 0) {
  const code = typeof e.code === 'string' ? ` [${cut(e.code)}]` : '';
  const cause = depth < 3 && e.cause instanceof Error ? ` (cause: ${describeError(e.cause, depth + 1)})` : '';
  return `${cut(String(e.name))}: ${cut(String(e.message))}${code}${cause}`;
}

function format(a) {
  if (typeof a === 'string') return cut(a);
  if (a instanceof Error) return cut(describeError(a));
  if (typeof a === 'bigint') return `${a}n`;
  if (typeof a === 'function' || typeof a === 'symbol' || a === undefined) return String(a);
  try {
    return JSONstringify(a);
  } catch {
    return Object.prototype.toString.call(a);
  }
}

const logger =
  (level) =>
  (...args) => {
    let message = '';
    for (let i = 0; i < args.length && message.length < MAX_MESSAGE; i++) {
      message += (i === 0 ? '' : ' ') + format(args[i]);
    }
    message = cut(message);
    cap('log', { level, message }).catch(() => undefined);
  };

export const console = Object.freeze({
  log: logger('info'),
  info: logger('info'),
  warn: logger('warn'),
  error: logger('error'),
  debug: logger('debug'),
  trace: logger('debug'),
});
