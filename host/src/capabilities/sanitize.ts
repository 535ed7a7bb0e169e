import { sanitizePluginText } from '../logging/sanitize.js';

export { sanitizePluginText };

const MAX_DEPTH = 256;

/**
 * `sanitizePluginText` applied to every string and object key of parsed JSON data from a plugin. Returns the
 * value itself when nothing changed, so clean data costs one scan and no copy. Deeper than 256 levels the
 * value is returned as it is (the boundaries already refuse such nesting).
 */
export function sanitizePluginValue<T>(value: T, depth = 0): T {
  if (typeof value === 'string') return sanitizePluginText(value) as T;
  if (value === null || typeof value !== 'object' || depth > MAX_DEPTH) return value;
  if (Array.isArray(value)) {
    let copy: unknown[] | undefined;
    value.forEach((item: unknown, i) => {
      const clean = sanitizePluginValue(item, depth + 1);
      if (clean !== item) {
        copy ??= [...(value as unknown[])];
        copy[i] = clean;
      }
    });
    return (copy ?? value) as T;
  }
  const source = value as Record<string, unknown>;
  const entries: [string, unknown][] = [];
  let changed = false;
  for (const key of Object.keys(source)) {
    const item = source[key];
    const cleanKey = sanitizePluginText(key);
    const clean = sanitizePluginValue(item, depth + 1);
    if (cleanKey !== key || clean !== item) changed = true;
    entries.push([cleanKey, clean]);
  }
  if (!changed) return value;
  const copy = Object.create(Object.getPrototypeOf(source) as object | null) as Record<string, unknown>;
  for (const [key, item] of entries) {
    Object.defineProperty(copy, key, { value: item, enumerable: true, writable: true, configurable: true });
  }
  return copy as T;
}
