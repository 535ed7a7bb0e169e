import { createHash } from 'node:crypto';

/** Deepest nesting a schema may have; deeper parts would only come from a broken or hostile plugin. */
export const MAX_CANONICAL_DEPTH = 64;

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * A deep, frozen copy of JSON data with object keys sorted (by UTF-16 code units, not locale) at every level,
 * so that `JSON.stringify` of equal data gives identical bytes whatever the key order of the input.
 * Values JSON cannot carry (undefined, functions, symbols) are dropped from objects and become null in
 * arrays, as JSON.stringify would do; non-finite numbers become null.
 *
 * @throws Error when nesting exceeds MAX_CANONICAL_DEPTH (a host-side guard, not a plugin-facing error).
 */
export function canonicalize(value: unknown, depth = 0): unknown {
  if (depth > MAX_CANONICAL_DEPTH)
    throw new Error(`canonicalize: nesting deeper than ${MAX_CANONICAL_DEPTH}`);
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (Array.isArray(value)) {
    return Object.freeze(
      value.map((item: unknown) => (isDroppable(item) ? null : canonicalize(item, depth + 1))),
    );
  }
  if (typeof value === 'object') {
    const source = value as Readonly<Record<string, unknown>>;
    const copy: Record<string, unknown> = {};
    for (const key of Object.keys(source).sort(compare)) {
      const item = source[key];
      // defineProperty, not assignment: a '__proto__' key must stay data, not become the prototype.
      if (!isDroppable(item)) {
        Object.defineProperty(copy, key, {
          value: canonicalize(item, depth + 1),
          enumerable: true,
          writable: true,
          configurable: true,
        });
      }
    }
    return Object.freeze(copy);
  }
  return null;
}

function isDroppable(value: unknown): boolean {
  return (
    value === undefined ||
    typeof value === 'function' ||
    typeof value === 'symbol' ||
    typeof value === 'bigint'
  );
}

/** Canonical JSON text of a value (see canonicalize). */
export function canonicalJson(value: unknown): string {
  // canonicalize never returns undefined, so this is always a string.
  return JSON.stringify(canonicalize(value));
}

/** sha256 of a string, hex. */
export function sha256Hex(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
