/**
 * Characters that must not reach a terminal or a log line as they are: C0 controls but tab and newline (ESC
 * starts the sequences that move the cursor, recolour or retitle the terminal, CR overwrites a line), DEL, C1
 * controls (0x9b is a one-byte CSI on some terminals), format characters (bidi overrides and isolates that
 * reorder what is shown, zero-width characters, invisible tags) and the Unicode line separators. ZWNJ and ZWJ
 * are kept: scripts such as Persian and emoji sequences need them, and they cannot reorder text.
 */
// eslint-disable-next-line no-control-regex -- finding control characters is what this is for
const UNSAFE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029]|(?![\u200c\u200d])\p{Cf}/gu;

/** Unpaired surrogates (in unicode mode a pair is one code point and does not match). */
const LONE_SURROGATE = /[\ud800-\udfff]/gu;

function hex(code: number, width: number): string {
  return code.toString(16).padStart(width, '0');
}

/** `\x1b`, `\u202e`, `\u{e0041}`: how an unsafe character is shown. */
function visible(char: string): string {
  const code = char.codePointAt(0) ?? 0;
  if (code <= 0xff) return `\\x${hex(code, 2)}`;
  if (code <= 0xffff) return `\\u${hex(code, 4)}`;
  return `\\u{${code.toString(16)}}`;
}

/**
 * Text from plugins or models made safe to print: well-formed (a lone surrogate becomes U+FFFD) and every
 * unsafe character shown as an escape (`\x1b`, `\u202e`). Tab and newline stay; CRLF becomes LF first.
 *
 * @example
 * escapeControls('ok\u001b[2J\u202egnp.exe') // 'ok\\x1b[2J\\u202egnp.exe'
 */
export function escapeControls(text: string): string {
  return text.replace(LONE_SURROGATE, '\ufffd').replace(/\r\n/g, '\n').replace(UNSAFE, visible);
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
