// Brand checks for the prelude's classes. Called on a receiver that is not one of their objects (reflection
// over a prototype: `Object.getOwnPropertyDescriptor(ReadableStreamDefaultReader.prototype, 'closed').get.call
// ({})`), a method or getter throws a TypeError at once, instead of returning a rejected promise nobody
// handles (which would fail the plugin's call as an unhandled rejection). Intrinsics are captured here, before
// plugin code runs.

const ReflectApply = Reflect.apply;
const ReflectOwnKeys = Reflect.ownKeys;
const hasOwn = Object.prototype.hasOwnProperty;
const getPrototypeOf = Object.getPrototypeOf;
const getOwnPropertyDescriptor = Object.getOwnPropertyDescriptor;
const defineProperty = Object.defineProperty;
const WeakSetHas = WeakSet.prototype.has;

/** True when `proto` is on the prototype chain of `value` (without calling Symbol.hasInstance). */
export function inherits(value, proto) {
  if (value === null || (typeof value !== 'object' && typeof value !== 'function')) return false;
  for (let p = getPrototypeOf(value); p !== null; p = getPrototypeOf(p)) if (p === proto) return true;
  return false;
}

/** A brand test: an own internal field (as the streams polyfill sets it) and the class's prototype. */
export const fieldBrand = (field, proto) => (value) =>
  inherits(value, proto) && ReflectApply(hasOwn, value, [field]);

/** A brand test: membership of a WeakSet the class's constructor adds every instance to. */
export const setBrand = (set) => (value) =>
  value !== null &&
  (typeof value === 'object' || typeof value === 'function') &&
  ReflectApply(WeakSetHas, set, [value]);

function guarded(fn, label, isBranded) {
  /** @this {unknown} */
  const wrapper = function (...args) {
    if (!isBranded(this)) throw new TypeError(`Illegal invocation: ${label} called on a foreign object`);
    return ReflectApply(fn, this, args);
  };
  defineProperty(wrapper, 'name', { value: fn.name, configurable: true });
  defineProperty(wrapper, 'length', { value: fn.length, configurable: true });
  return wrapper;
}

/** Wraps every method, getter and setter on `proto` (not the constructor) with the brand test. */
export function guardPrototype(proto, className, isBranded) {
  for (const key of ReflectOwnKeys(proto)) {
    if (key === 'constructor') continue;
    const d = getOwnPropertyDescriptor(proto, key);
    if (d === undefined) continue;
    const label = `${className}.prototype.${String(key)}`;
    if (typeof d.value === 'function') d.value = guarded(d.value, label, isBranded);
    if (typeof d.get === 'function') d.get = guarded(d.get, label, isBranded);
    if (typeof d.set === 'function') d.set = guarded(d.set, label, isBranded);
    defineProperty(proto, key, d);
  }
}
