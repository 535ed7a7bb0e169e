import { RokuError, isRokuError, parseStrictJson } from '@roku/schemas';

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
  // A UTF-16 length bounds the UTF-8 size from below; check it before paying for an exact count.
  if (text.length > maxBytes || Buffer.byteLength(text, 'utf8') > maxBytes) {
    throw new RokuError(
      'ROKU_SANDBOX_OUTPUT_TOO_LARGE',
      `${what}: ${Buffer.byteLength(text)} bytes exceeds ${maxBytes}`,
      {
        details: { limit: maxBytes },
      },
    );
  }
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
