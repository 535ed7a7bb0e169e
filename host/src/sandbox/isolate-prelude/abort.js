// AbortController / AbortSignal (incl. the static abort, timeout and any) on top of event-target-shim.
import { EventTarget, Event } from 'event-target-shim';
import { DOMException } from './dom-exception.js';
import { setTimeout } from './timers.js';
import { guardPrototype } from './brand.js';

const kCreate = Symbol('create');
/** Every AbortSignal the prelude made; fetch accepts no other. */
const SIGNALS = new WeakSet();
/** Each signal's state, out of the plugin's reach (an own property could be replaced by a getter). */
const STATE = new WeakMap();
const WeakMapGet = WeakMap.prototype.get;
const stateOf = (s) => ReflectApply(WeakMapGet, STATE, [s]);
const ReflectApply = Reflect.apply;
const WeakSetHas = WeakSet.prototype.has;
const addListener = EventTarget.prototype.addEventListener;
const removeListener = EventTarget.prototype.removeEventListener;

/** True for a signal the prelude made (not something shaped like one). */
export const isAbortSignal = (x) => ReflectApply(WeakSetHas, SIGNALS, [x]);
/** Reads and listens to a genuine signal through captured functions, whatever the plugin set on it. */
export const signalState = (s) => {
  const st = stateOf(s);
  return { aborted: st.aborted, reason: st.reason };
};
export const onAbortSignal = (s, fn) => ReflectApply(addListener, s, ['abort', fn, { once: true }]);
export const offAbortSignal = (s, fn) => ReflectApply(removeListener, s, ['abort', fn]);

export class AbortSignal extends EventTarget {
  constructor(key) {
    super();
    if (key !== kCreate) throw new TypeError('Illegal constructor');
    SIGNALS.add(this);
    STATE.set(this, { aborted: false, reason: undefined });
    this.onabort = null;
  }
  get aborted() {
    return stateOf(this).aborted;
  }
  get reason() {
    return stateOf(this).reason;
  }
  throwIfAborted() {
    const st = stateOf(this);
    if (st.aborted) throw st.reason;
  }
  _abort(reason) {
    const st = stateOf(this);
    if (st.aborted) return;
    st.aborted = true;
    st.reason = reason === undefined ? new DOMException('This operation was aborted', 'AbortError') : reason;
    const ev = new Event('abort');
    if (typeof this.onabort === 'function') this.onabort(ev);
    this.dispatchEvent(ev);
  }
  static abort(reason) {
    const s = new AbortSignal(kCreate);
    s._abort(reason);
    return s;
  }
  static timeout(ms) {
    const s = new AbortSignal(kCreate);
    setTimeout(() => s._abort(new DOMException('The operation timed out.', 'TimeoutError')), ms);
    return s;
  }
  static any(signals) {
    const s = new AbortSignal(kCreate);
    const list = [];
    for (const x of signals) {
      if (!isAbortSignal(x)) throw new TypeError('AbortSignal.any() takes AbortSignals only');
      list.push(x);
    }
    for (const x of list) {
      const st = stateOf(x);
      if (st.aborted) {
        s._abort(st.reason);
        return s;
      }
    }
    for (const x of list) onAbortSignal(x, () => s._abort(stateOf(x).reason));
    return s;
  }
  get [Symbol.toStringTag]() {
    return 'AbortSignal';
  }
}

export class AbortController {
  constructor() {
    this.signal = new AbortSignal(kCreate);
  }
  abort(reason) {
    this.signal._abort(reason);
  }
  get [Symbol.toStringTag]() {
    return 'AbortController';
  }
}

guardPrototype(AbortSignal.prototype, 'AbortSignal', isAbortSignal);
