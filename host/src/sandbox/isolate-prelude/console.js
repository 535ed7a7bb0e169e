// console.* forwarded to the `log` capability (fire and forget; the host rate- and size-caps logs).
import { cap, JSONstringify } from './bridge.js';

const MAX_MESSAGE = 16384;

function format(a) {
  if (typeof a === 'string') return a;
  if (a instanceof Error) return `${a.name}: ${a.message}`;
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
    const message = args.map(format).join(' ').slice(0, MAX_MESSAGE);
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
