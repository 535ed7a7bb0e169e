// setTimeout/setInterval backed by runner timers. The runner fires a timer by calling the trusted entry with
// ('timer', id) under a CPU timeout; callbacks never run on the runner's own stack.
import { hostSync } from './bridge.js';

const timers = new Map();
let seq = 0;

function schedule(repeat, fn, ms, args) {
  if (typeof fn !== 'function') throw new TypeError('The callback must be a function');
  const id = ++seq;
  const delay = Math.max(0, Math.min(Number(ms) || 0, 2147483647));
  const reply = hostSync('timer.set', id, delay, repeat ? 1 : 0);
  if (reply !== '') throw new RangeError(reply);
  timers.set(id, { fn, args, repeat });
  return id;
}

export const setTimeout = (fn, ms, ...args) => schedule(false, fn, ms, args);
export const setInterval = (fn, ms, ...args) => schedule(true, fn, ms, args);
export function clearTimeout(id) {
  const key = Number(id);
  if (timers.delete(key)) hostSync('timer.clear', key, 0, 0);
}

/** Runs timer `id`; called by the trusted entry. Errors are reported, never thrown to the runner. */
export function fireTimer(id, report) {
  const t = timers.get(id);
  if (!t) return;
  if (!t.repeat) timers.delete(id);
  try {
    t.fn.apply(undefined, t.args);
  } catch (e) {
    report(e);
  }
}
