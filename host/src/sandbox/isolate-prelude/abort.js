// AbortController / AbortSignal (incl. the static abort, timeout and any) on top of event-target-shim.
import { EventTarget, Event } from 'event-target-shim';
import { DOMException } from './dom-exception.js';
import { setTimeout } from './timers.js';

const kCreate = Symbol('create');

export class AbortSignal extends EventTarget {
  constructor(key) {
    super();
    if (key !== kCreate) throw new TypeError('Illegal constructor');
    this._aborted = false;
    this._reason = undefined;
    this.onabort = null;
  }
  get aborted() {
    return this._aborted;
  }
  get reason() {
    return this._reason;
  }
  throwIfAborted() {
    if (this._aborted) throw this._reason;
  }
  _abort(reason) {
    if (this._aborted) return;
    this._aborted = true;
    this._reason =
      reason === undefined ? new DOMException('This operation was aborted', 'AbortError') : reason;
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
    for (const x of signals) {
      if (x.aborted) {
        s._abort(x.reason);
        return s;
      }
    }
    for (const x of signals) x.addEventListener('abort', () => s._abort(x.reason), { once: true });
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
