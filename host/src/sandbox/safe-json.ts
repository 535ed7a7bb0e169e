// the runner imports this file: the subpaths keep the validators (ajv, the schemas) out of its startup
import { RokuError, isRokuError } from '@roku/schemas/errors';
import { parseStrictJson } from '@roku/schemas/strict-json';

/** JSON data with null-prototype objects: nothing in it can reach or shadow Object.prototype. */
export type PlainJson = null | boolean | number | string | PlainJson[] | { [key: string]: PlainJson };

/** Deepest nesting of arrays and objects accepted from a sandbox (the isolate prelude checks the same). */
export const MAX_JSON_DEPTH = 256;

/**
 * True when the JSON text nests arrays/objects deeper than `max`: one pass over the characters, skipping
 * strings, so a million levels are refused before a parser spends memory or stack on them.
 */
export function exceedsJsonDepth(text: string, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > max) return true;
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return false;
}

/**
 * Parses JSON that came from a sandbox: refuses more than `maxBytes`, and rebuilds every object with a null
 * prototype so that keys like `__proto__` or `constructor` are inert data.
 *
 * @throws ROKU_SANDBOX_OUTPUT_TOO_LARGE, ROKU_SANDBOX_OUTPUT_TOO_DEEP, ROKU_SANDBOX_BAD_OUTPUT
 */
export function parseSandboxJson(text: unknown, maxBytes: number, what: string): PlainJson {
  if (typeof text !== 'string') {
    throw new RokuError('ROKU_SANDBOX_BAD_OUTPUT', `${what}: expected a JSON string, got ${typeof text}`);
  }
  // A UTF-16 length bounds the UTF-8 size from below, and three times it from above: only a text between
  // the two pays for an exact count.
  if (text.length > maxBytes || (text.length * 3 > maxBytes && Buffer.byteLength(text, 'utf8') > maxBytes)) {
    throw new RokuError(
      'ROKU_SANDBOX_OUTPUT_TOO_LARGE',
      `${what}: ${Buffer.byteLength(text)} bytes exceeds ${maxBytes}`,
      {
        details: { limit: maxBytes },
      },
    );
  }
  const fast = fastParse(text);
  if (fast !== undefined) return fast.value;
  try {
    // Strict (a key twice, a number that would change meaning) and prototype-free in one pass; the parser stops
    // at the first level past the limit, so a million levels cost no more than 257 characters.
    return parseStrictJson(text, { maxDepth: MAX_JSON_DEPTH, nullPrototype: true }) as PlainJson;
  } catch (err) {
    if (isRokuError(err) && err.code === 'ROKU_JSON_TOO_DEEP') {
      throw new RokuError(
        'ROKU_SANDBOX_OUTPUT_TOO_DEEP',
        `${what}: JSON nested more than ${MAX_JSON_DEPTH} levels deep`,
        { details: { limitDepth: MAX_JSON_DEPTH } },
      );
    }
    throw new RokuError('ROKU_SANDBOX_BAD_OUTPUT', `${what}: not valid JSON (${(err as Error).message})`, {
      cause: err,
    });
  }
}

/**
 * Longest number literal the fast path lets JSON.parse read: 15 digits stay below 2^53, and without an
 * exponent nothing can overflow or underflow, so the strict parser's number checks cannot fail.
 */
const FAST_NUMBER_CHARS = 15;

/**
 * The common case of {@link parseSandboxJson} at native speed: one scan that skips strings with `indexOf`
 * (so a long string costs a memchr, not a JS loop) counts object members and nesting and looks at every number
 * literal; then `JSON.parse` and a copy into null-prototype objects. Undefined whenever the text might be
 * anything the strict parser refuses (too deep, a number it checks, malformed, a key twice: JSON.parse keeps
 * the last, so the copy has fewer members than the text): the strict parser then decides, with its error.
 */
function fastParse(text: string): { value: PlainJson } | undefined {
  let members = 0;
  let depth = 0;
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      // the closing quote: the next one not escaped by an odd run of backslashes
      for (;;) {
        const end = text.indexOf('"', i + 1);
        if (end < 0) return undefined;
        let slashes = 0;
        while (text.charCodeAt(end - 1 - slashes) === 0x5c) slashes++;
        i = end;
        if (slashes % 2 === 0) break;
      }
    } else if (c === 0x3a) members++;
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > MAX_JSON_DEPTH) return undefined;
    } else if (c === 0x7d || c === 0x5d) depth--;
    else if (c === 0x2d || (c >= 0x30 && c <= 0x39)) {
      const start = i;
      for (let d = text.charCodeAt(i + 1); (d >= 0x30 && d <= 0x39) || d === 0x2e; d = text.charCodeAt(i + 1))
        i++;
      const next = text.charCodeAt(i + 1);
      if (i + 1 - start > FAST_NUMBER_CHARS || next === 0x65 || next === 0x45) return undefined;
    }
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return undefined;
  }
  const counted = { members: 0 };
  const value = nullPrototypeCopy(parsed, counted);
  return counted.members === members ? { value } : undefined;
}

/** A copy of JSON.parse output with null-prototype objects, counting object members as it goes. */
function nullPrototypeCopy(value: unknown, counted: { members: number }): PlainJson {
  if (typeof value !== 'object' || value === null) return value as PlainJson;
  if (Array.isArray(value)) {
    const out: PlainJson[] = new Array<PlainJson>(value.length);
    for (let i = 0; i < value.length; i++) out[i] = nullPrototypeCopy(value[i], counted);
    return out;
  }
  const out = Object.create(null) as Record<string, PlainJson>;
  const source = value as Record<string, unknown>;
  const keys = Object.keys(source);
  counted.members += keys.length;
  for (const key of keys) {
    const item = nullPrototypeCopy(source[key], counted);
    // defineProperty for "__proto__", so it stays an own data property as JSON.parse made it
    if (key === '__proto__') {
      Object.defineProperty(out, key, { value: item, enumerable: true, writable: true, configurable: true });
    } else out[key] = item;
  }
  return out;
}
