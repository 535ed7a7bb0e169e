// Conversions of plugin values into what the prelude's web APIs work with, using intrinsics captured before
// plugin code runs. They accept only the types the specs allow and never call plugin code: no toString or
// valueOf of plugin objects, no getters, no replaced methods on typed arrays.
import { TextEncoder } from '@exodus/bytes/encoding-lite.js';

const ReflectApply = Reflect.apply;
const getPrototypeOf = Object.getPrototypeOf;
const getter = (proto, name) => {
  const d = Object.getOwnPropertyDescriptor(proto, name);
  if (d === undefined || typeof d.get !== 'function') throw new Error(`prelude: no getter ${name}`);
  return d.get;
};
const TypedArrayPrototype = getPrototypeOf(Uint8Array.prototype);
const taBuffer = getter(TypedArrayPrototype, 'buffer');
const taByteOffset = getter(TypedArrayPrototype, 'byteOffset');
const taByteLength = getter(TypedArrayPrototype, 'byteLength');
const dvBuffer = getter(DataView.prototype, 'buffer');
const dvByteOffset = getter(DataView.prototype, 'byteOffset');
const dvByteLength = getter(DataView.prototype, 'byteLength');
const abByteLength = getter(ArrayBuffer.prototype, 'byteLength');
const isView = ArrayBuffer.isView;
const StringCtor = String;
const U8 = Uint8Array;
const encoder = new TextEncoder();

/**
 * A USVString argument: strings as they are, other primitives converted (no plugin code runs for those);
 * objects, whose conversion would call their toString, are refused.
 */
export function toText(value, what) {
  if (typeof value === 'string') return value;
  if (
    value === null ||
    (typeof value !== 'object' && typeof value !== 'function' && typeof value !== 'symbol')
  )
    return StringCtor(value);
  throw new TypeError(
    `${what} must be a string, not ${typeof value === 'symbol' ? 'a symbol' : 'an object'}`,
  );
}

/** True for a genuine ArrayBuffer (its byteLength getter throws for anything else). */
export function isArrayBuffer(value) {
  if (value === null || typeof value !== 'object') return false;
  try {
    ReflectApply(abByteLength, value, []);
    return true;
  } catch {
    return false;
  }
}

/** The bytes of an ArrayBuffer or a view, read through the captured getters (no copy). */
export function bufferBytes(value) {
  if (isView(value)) {
    let buffer;
    let offset;
    let length;
    try {
      buffer = ReflectApply(taBuffer, value, []);
      offset = ReflectApply(taByteOffset, value, []);
      length = ReflectApply(taByteLength, value, []);
    } catch {
      buffer = ReflectApply(dvBuffer, value, []);
      offset = ReflectApply(dvByteOffset, value, []);
      length = ReflectApply(dvByteLength, value, []);
    }
    return new U8(buffer, offset, length);
  }
  if (isArrayBuffer(value)) return new U8(value);
  return null;
}

/** Bytes of a BufferSource, or the UTF-8 of a USVString; anything else is a TypeError. */
export function toBytes(value, what = 'a chunk') {
  const bytes = bufferBytes(value);
  if (bytes !== null) return bytes;
  return encoder.encode(toText(value, what));
}
