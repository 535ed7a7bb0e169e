/*
 * Text from plugins enters model prompts, logs and terminals. Control and format characters there can hide
 * or reorder what a reader sees (bidi overrides, U+202E), drive a terminal (ESC, CSI), cut a C string (NUL),
 * smuggle invisible instructions (Unicode tag characters) or break UTF-8 encoders (lone surrogates). At the
 * capability boundary every such character becomes a visible escape, `\u202E`, and lone surrogates become
 * U+FFFD. Kept as they are: tab, line feed, a carriage return that starts CRLF, and the joiners U+200C/U+200D
 * (needed by many scripts and by emoji sequences).
 */

// C0 and C1 controls, DEL, every format character (Cf: bidi embeddings, overrides and isolates, zero-width
// spaces, BOM, tags, …) and the line and paragraph separators.
const UNSAFE = /[\p{Cc}\p{Cf}\u2028\u2029]/u;
const UNSAFE_ALL = /[\p{Cc}\p{Cf}\u2028\u2029]/gu;

function escapeChar(char: string, offset: number, text: string): string {
  if (char === '\t' || char === '\n' || char === '\u200C' || char === '\u200D') return char;
  if (char === '\r' && text.charCodeAt(offset + 1) === 0x0a) return char;
  const code = char.codePointAt(0) ?? 0;
  const hex = code.toString(16).toUpperCase();
  return code > 0xffff ? `\\u{${hex}}` : `\\u${hex.padStart(4, '0')}`;
}

/**
 * Makes text from a plugin safe to show, log or hand to a model: well-formed (lone surrogates become U+FFFD)
 * and with control and format characters escaped as visible `\uXXXX` text. Tab, line feed, CRLF and the
 * joiners U+200C/U+200D are kept. Returns `text` itself when nothing needed escaping.
 *
 * @example sanitizePluginText('ok\u202Etxt.exe\u001b[2J') // 'ok\\u202Etxt.exe\\u001B[2J'
 */
export function sanitizePluginText(text: string): string {
  const wellFormed = text.isWellFormed() ? text : text.toWellFormed();
  if (!UNSAFE.test(wellFormed)) return wellFormed;
  return wellFormed.replace(UNSAFE_ALL, escapeChar);
}

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
