// Fetch Headers: case-insensitive, sorted iteration, set-cookie kept apart.
import { toText } from './convert.js';

const normName = (n) => {
  const name = toText(n, 'a header name').toLowerCase();
  if (!/^[!#$%&'*+\-.^_`|~0-9a-z]+$/.test(name)) throw new TypeError(`Invalid header name: ${name}`);
  return name;
};
const normValue = (v) => toText(v, 'a header value').replace(/^[\t\n\r ]+|[\t\n\r ]+$/g, '');

export class Headers {
  constructor(init) {
    /** @type {Map<string, string[]>} */
    this._m = new Map();
    if (init == null) return;
    if (init instanceof Headers) {
      for (const [k, v] of init._m) this._m.set(k, v.slice());
      return;
    }
    if (typeof init[Symbol.iterator] === 'function') {
      for (const pair of init) {
        const [k, v] = pair;
        this.append(k, v);
      }
      return;
    }
    for (const k of Object.keys(init)) this.append(k, init[k]);
  }
  append(k, v) {
    const name = normName(k);
    const a = this._m.get(name);
    if (a) a.push(normValue(v));
    else this._m.set(name, [normValue(v)]);
  }
  set(k, v) {
    this._m.set(normName(k), [normValue(v)]);
  }
  get(k) {
    const a = this._m.get(normName(k));
    return a ? a.join(', ') : null;
  }
  getSetCookie() {
    return (this._m.get('set-cookie') || []).slice();
  }
  has(k) {
    return this._m.has(normName(k));
  }
  delete(k) {
    this._m.delete(normName(k));
  }
  forEach(cb, thisArg) {
    for (const [k, v] of this) cb.call(thisArg, v, k, this);
  }
  *entries() {
    for (const k of [...this._m.keys()].sort()) {
      const values = /** @type {string[]} */ (this._m.get(k)); // k comes from the map's own keys
      if (k === 'set-cookie') for (const v of values) yield [k, v];
      else yield [k, values.join(', ')];
    }
  }
  *keys() {
    for (const [k] of this.entries()) yield k;
  }
  *values() {
    for (const [, v] of this.entries()) yield v;
  }
  [Symbol.iterator]() {
    return this.entries();
  }
  get [Symbol.toStringTag]() {
    return 'Headers';
  }
}

/** The name/value pairs of a Headers the prelude made, read without its (replaceable) iterator. */
export function headerPairs(h) {
  const out = [];
  for (const k of [...h._m.keys()].sort()) {
    const values = /** @type {string[]} */ (h._m.get(k));
    if (k === 'set-cookie') for (const v of values) out.push([k, v]);
    else out.push([k, values.join(', ')]);
  }
  return out;
}
