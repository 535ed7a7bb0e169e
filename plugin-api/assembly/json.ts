// Tiny JSON helpers for plugins: a string escaper and a reader of objects whose values stay raw JSON text.
// Deliberately small (no dependency): the ABI only needs top-level fields, strings, numbers and booleans.

/** Returns `s` as a JSON string literal, quotes included. */
export function jsonString(s: string): string {
  const parts = new Array<string>();
  parts.push('"');
  let run = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    let escaped: string | null = null;
    if (c == 0x22) escaped = '\\"';
    else if (c == 0x5c) escaped = '\\\\';
    else if (c == 0x0a) escaped = '\\n';
    else if (c == 0x0d) escaped = '\\r';
    else if (c == 0x09) escaped = '\\t';
    else if (c < 0x20) escaped = '\\u' + c.toString(16).padStart(4, '0');
    if (escaped !== null) {
      if (i > run) parts.push(s.substring(run, i));
      parts.push(escaped);
      run = i + 1;
    }
  }
  if (s.length > run) parts.push(s.substring(run));
  parts.push('"');
  return parts.join('');
}

function isSpace(c: i32): bool {
  return c == 0x20 || c == 0x0a || c == 0x0d || c == 0x09;
}

function hexValue(c: i32): i32 {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x61 && c <= 0x66) return c - 0x61 + 10;
  if (c >= 0x41 && c <= 0x46) return c - 0x41 + 10;
  return -1;
}

/** A cursor that skips over one JSON value at a time; `failed` is set on malformed input. */
class Scanner {
  pos: i32 = 0;
  failed: bool = false;
  constructor(public text: string) {}

  skipSpace(): void {
    while (this.pos < this.text.length && isSpace(this.text.charCodeAt(this.pos))) this.pos++;
  }

  peek(): i32 {
    return this.pos < this.text.length ? this.text.charCodeAt(this.pos) : -1;
  }

  /** Skips a string literal starting at pos (which holds the opening quote). */
  skipString(): void {
    this.pos++;
    while (this.pos < this.text.length) {
      const c = this.text.charCodeAt(this.pos);
      if (c == 0x5c) this.pos += 2;
      else if (c == 0x22) {
        this.pos++;
        return;
      } else this.pos++;
    }
    this.failed = true;
  }

  /** Skips any value; nested containers are matched by depth, strings by their quotes. */
  skipValue(): void {
    this.skipSpace();
    const c = this.peek();
    if (c == 0x22) {
      this.skipString();
      return;
    }
    if (c == 0x7b || c == 0x5b) {
      let depth = 0;
      while (this.pos < this.text.length) {
        const d = this.text.charCodeAt(this.pos);
        if (d == 0x22) {
          this.skipString();
          continue;
        }
        if (d == 0x7b || d == 0x5b) depth++;
        else if (d == 0x7d || d == 0x5d) {
          depth--;
          if (depth == 0) {
            this.pos++;
            return;
          }
        }
        this.pos++;
      }
      this.failed = true;
      return;
    }
    const start = this.pos;
    while (this.pos < this.text.length) {
      const d = this.text.charCodeAt(this.pos);
      if (d == 0x2c || d == 0x7d || d == 0x5d || isSpace(d)) break;
      this.pos++;
    }
    if (this.pos == start) this.failed = true;
  }
}

/** Decodes a JSON string literal (quotes included); null when `raw` is not one. */
export function jsonUnquote(raw: string): string | null {
  if (raw.length < 2 || raw.charCodeAt(0) != 0x22 || raw.charCodeAt(raw.length - 1) != 0x22) return null;
  const parts = new Array<string>();
  let run = 1;
  const end = raw.length - 1;
  let i = 1;
  while (i < end) {
    if (raw.charCodeAt(i) != 0x5c) {
      i++;
      continue;
    }
    if (i > run) parts.push(raw.substring(run, i));
    const e = raw.charCodeAt(i + 1);
    let width = 2;
    if (e == 0x6e) parts.push('\n');
    else if (e == 0x72) parts.push('\r');
    else if (e == 0x74) parts.push('\t');
    else if (e == 0x62) parts.push('\b');
    else if (e == 0x66) parts.push('\f');
    else if (e == 0x75) {
      let code = 0;
      for (let k = 2; k < 6; k++) {
        const h = hexValue(raw.charCodeAt(i + k));
        if (h < 0) return null;
        code = code * 16 + h;
      }
      parts.push(String.fromCharCode(code));
      width = 6;
    } else parts.push(String.fromCharCode(e));
    i += width;
    run = i;
  }
  if (end > run) parts.push(raw.substring(run, end));
  return parts.join('');
}

/** A parsed JSON object: its top-level keys, each with the raw JSON text of its value. */
export class JsonObject {
  private keys: Array<string> = new Array<string>();
  private values: Array<string> = new Array<string>();

  /** Parses `text` as an object; null when it is not a well-formed object at the top level. */
  static parse(text: string): JsonObject | null {
    const s = new Scanner(text);
    const obj = new JsonObject();
    s.skipSpace();
    if (s.peek() != 0x7b) return null;
    s.pos++;
    s.skipSpace();
    if (s.peek() == 0x7d) return obj;
    while (!s.failed) {
      s.skipSpace();
      if (s.peek() != 0x22) return null;
      const keyStart = s.pos;
      s.skipString();
      const key = jsonUnquote(text.substring(keyStart, s.pos));
      s.skipSpace();
      if (key === null || s.peek() != 0x3a) return null;
      s.pos++;
      s.skipSpace();
      const valueStart = s.pos;
      s.skipValue();
      obj.keys.push(key);
      obj.values.push(text.substring(valueStart, s.pos));
      s.skipSpace();
      const c = s.peek();
      s.pos++;
      if (c == 0x7d) return s.failed ? null : obj;
      if (c != 0x2c) return null;
    }
    return null;
  }

  /** The raw JSON text of a field, or null when absent. */
  raw(key: string): string | null {
    const i = this.keys.indexOf(key);
    return i < 0 ? null : this.values[i];
  }

  getString(key: string): string | null {
    const raw = this.raw(key);
    return raw === null ? null : jsonUnquote(raw);
  }

  getObject(key: string): JsonObject | null {
    const raw = this.raw(key);
    return raw === null ? null : JsonObject.parse(raw);
  }

  getBool(key: string): bool {
    const raw = this.raw(key);
    return raw !== null && raw == 'true';
  }

  getInteger(key: string, fallback: i64): i64 {
    const raw = this.raw(key);
    if (raw === null || raw.length == 0) return fallback;
    const c = raw.charCodeAt(0);
    if (c != 0x2d && (c < 0x30 || c > 0x39)) return fallback;
    return I64.parseInt(raw);
  }
}
