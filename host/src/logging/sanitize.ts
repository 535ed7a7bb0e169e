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

/**
 * Text from plugins or models made safe to print: well-formed (a lone surrogate becomes U+FFFD) and every
 * control, bidi or other format character shown as the same visible escape the capability boundary writes
 * (`\u001B`, `\u202E`), so text escaped there is not escaped twice. Tab and newline stay; CRLF becomes LF
 * first, so a lone CR (which overwrites a line) is what gets escaped.
 *
 * @example
 * escapeControls('ok\u001b[2J\u202egnp.exe') // 'ok\\u001B[2J\\u202Egnp.exe'
 */
export function escapeControls(text: string): string {
  return sanitizePluginText(text.replace(/\r\n/g, '\n'));
}

/** Escapes text that arrives in pieces (streamed model text) without breaking a pair split between pieces. */
export interface StreamEscaper {
  /** The safe text of `piece`; a trailing high surrogate or CR waits for the next piece. */
  push(piece: string): string;
  /** What is still held back, escaped. */
  flush(): string;
}

export function createStreamEscaper(): StreamEscaper {
  let held = '';
  return {
    push(piece) {
      const text = held + piece;
      const last = text.charCodeAt(text.length - 1);
      const keep = (last >= 0xd800 && last <= 0xdbff) || last === 0x0d ? 1 : 0;
      held = text.slice(text.length - keep);
      return escapeControls(text.slice(0, text.length - keep));
    },
    flush() {
      const text = held;
      held = '';
      return escapeControls(text);
    },
  };
}

/**
 * What may need escaping in a serialized JSON line: an escaped C0 control or surrogate, or a raw character
 * JSON leaves as it is (DEL, C1, format characters, line separators). Most lines have none and pass as they are.
 */
const SUSPECT_IN_JSON =
  /\\u00[01]|\\u007f|\\u[dD][89a-fA-F]|\\[bfr]|[\u007f-\u009f\u2028\u2029]|(?![\u200c\u200d])\p{Cf}/u;

function escapeDeep(value: unknown, depth: number): unknown {
  if (typeof value === 'string') return escapeControls(value);
  if (depth > 32 || typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) return value.map((item: unknown) => escapeDeep(item, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    Object.defineProperty(out, escapeControls(key), {
      value: escapeDeep(item, depth + 1),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return out;
}

/**
 * A serialized JSON log line whose strings (keys and values, at any depth) went through
 * {@link escapeControls}: what a plugin put in a message or a field cannot act on the terminal of whoever
 * reads the log, nor hide text from them. The line stays one JSON object; lines with nothing to escape are
 * returned as they are.
 */
export function escapeJsonLine(line: string): string {
  if (!SUSPECT_IN_JSON.test(line)) return line;
  const newline = line.endsWith('\n') ? '\n' : '';
  try {
    return `${JSON.stringify(escapeDeep(JSON.parse(line), 0))}${newline}`;
  } catch {
    // Not JSON (a sink given plain text): escape it as text.
    return `${escapeControls(line.slice(0, line.length - newline.length))}${newline}`;
  }
}
