import { RokuError } from './roku-error.js';
import type { ValidationIssue } from './validation.js';
import { pointerSegment } from './validation.js';

/** Deepest nesting of arrays and objects {@link parseStrictJson} accepts unless told otherwise. */
export const STRICT_JSON_MAX_DEPTH = 128;
/** Longest number literal accepted unless told otherwise: far more digits than a double can hold. */
export const STRICT_JSON_MAX_NUMBER_LENGTH = 64;

/** Options of {@link parseStrictJson}. */
export interface StrictJsonOptions {
  /** Deepest nesting of arrays and objects; 128 by default. Checked while parsing, so no stack overflow. */
  readonly maxDepth?: number;
  /** Longest number literal in characters; 64 by default. */
  readonly maxNumberLength?: number;
  /** Build objects without a prototype, so `__proto__` or `constructor` keys are inert data. */
  readonly nullPrototype?: boolean;
  /** Called bottom-up for every value, like `JSON.parse`'s reviver (without `this`; undefined is kept). */
  readonly reviver?: (key: string, value: unknown) => unknown;
}

type Reason = 'malformed' | 'duplicate-key' | 'bad-number' | 'too-deep';

const CODES = {
  malformed: 'ROKU_JSON_MALFORMED',
  'duplicate-key': 'ROKU_JSON_DUPLICATE_KEY',
  'bad-number': 'ROKU_JSON_BAD_NUMBER',
  'too-deep': 'ROKU_JSON_TOO_DEEP',
} as const;

function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let start = 0;
  for (let i = text.indexOf('\n'); i !== -1 && i < offset; i = text.indexOf('\n', i + 1)) {
    line++;
    start = i + 1;
  }
  return { line, column: offset - start + 1 };
}

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
// Characters a string may hold unescaped: anything but the quote, the backslash and C0 controls.
// eslint-disable-next-line no-control-regex -- the control range is exactly what JSON forbids unescaped
const PLAIN_STRING = /[^"\\\u0000-\u001f]*/y;
const ESCAPES: Readonly<Record<string, string>> = {
  '"': '"',
  '\\': '\\',
  '/': '/',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
};

class Parser {
  private pos = 0;
  private readonly path: string[] = [];

  constructor(
    private readonly text: string,
    private readonly maxDepth: number,
    private readonly maxNumberLength: number,
    private readonly nullPrototype: boolean,
    private readonly reviver: ((key: string, value: unknown) => unknown) | undefined,
  ) {}

  parse(): unknown {
    this.skipSpace();
    const value = this.value('', 0);
    this.skipSpace();
    if (this.pos < this.text.length) this.fail('malformed', 'unexpected text after the JSON value');
    return value;
  }

  fail(reason: Reason, problem: string, at = this.pos): never {
    const pointer = this.path.map((k) => `/${pointerSegment(k)}`).join('');
    const { line, column } = lineAndColumn(this.text, at);
    throw new RokuError(
      CODES[reason],
      `${pointer === '' ? '(root)' : pointer}: ${problem} (line ${line}, column ${column})`,
      { details: { path: pointer, line, column, reason, problem } },
    );
  }

  private skipSpace(): void {
    const t = this.text;
    for (;;) {
      const c = t.charCodeAt(this.pos);
      if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) this.pos++;
      else return;
    }
  }

  private value(key: string, depth: number): unknown {
    const c = this.text[this.pos];
    let value: unknown;
    if (c === '{') value = this.object(depth + 1);
    else if (c === '[') value = this.array(depth + 1);
    else if (c === '"') value = this.string();
    else if (c === 't') value = this.literal('true', true);
    else if (c === 'f') value = this.literal('false', false);
    else if (c === 'n') value = this.literal('null', null);
    else if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) value = this.number();
    else
      this.fail(
        'malformed',
        c === undefined ? 'unexpected end of JSON' : `unexpected character ${JSON.stringify(c)}`,
      );
    return this.reviver === undefined ? value : this.reviver(key, value);
  }

  private literal(word: string, value: unknown): unknown {
    if (!this.text.startsWith(word, this.pos)) this.fail('malformed', `expected ${word}`);
    this.pos += word.length;
    return value;
  }

  private number(): number {
    const start = this.pos;
    NUMBER.lastIndex = start;
    const match = NUMBER.exec(this.text);
    if (match === null) this.fail('malformed', 'malformed number');
    const literal = match[0];
    if (literal.length > this.maxNumberLength) {
      this.fail(
        'bad-number',
        `number literal of ${literal.length} characters; at most ${this.maxNumberLength}`,
        start,
      );
    }
    this.pos += literal.length;
    const value = Number(literal);
    if (!Number.isFinite(value)) this.fail('bad-number', `${literal} is beyond the range of numbers`, start);
    // An integer literal is read as exact; past 2^53 it would silently round. Fraction and exponent forms
    // are approximate by nature and only need to stay finite and non-zero.
    if (!/[.eE]/.test(literal) && Math.abs(value) > Number.MAX_SAFE_INTEGER) {
      this.fail('bad-number', `${literal} is beyond ±(2^53-1), where numbers stop being exact`, start);
    }
    if (value === 0 && /[1-9]/.test(literal.replace(/[eE].*$/, ''))) {
      this.fail('bad-number', `${literal} is too small to represent and would read as 0`, start);
    }
    return value;
  }

  private string(): string {
    const t = this.text;
    const start = this.pos;
    this.pos++;
    let out = '';
    for (;;) {
      PLAIN_STRING.lastIndex = this.pos;
      const run = PLAIN_STRING.exec(t);
      if (run !== null && run[0].length > 0) {
        out += run[0];
        this.pos += run[0].length;
      }
      const c = t[this.pos];
      if (c === '"') {
        this.pos++;
        return out;
      }
      if (c === undefined) this.fail('malformed', 'unterminated string', start);
      if (c !== '\\') this.fail('malformed', 'control character in a string (escape it)');
      const e = t[this.pos + 1];
      if (e === 'u') {
        const hex = t.slice(this.pos + 2, this.pos + 6);
        if (!/^[0-9a-fA-F]{4}$/.test(hex)) this.fail('malformed', 'bad \\u escape');
        out += String.fromCharCode(parseInt(hex, 16));
        this.pos += 6;
        continue;
      }
      const plain = e === undefined ? undefined : ESCAPES[e];
      if (plain === undefined) this.fail('malformed', 'bad escape in a string');
      out += plain;
      this.pos += 2;
    }
  }

  private enter(depth: number): void {
    if (depth > this.maxDepth) this.fail('too-deep', `nests deeper than ${this.maxDepth} levels`);
    this.pos++;
    this.skipSpace();
  }

  private array(depth: number): unknown[] {
    this.enter(depth);
    const out: unknown[] = [];
    if (this.text[this.pos] === ']') {
      this.pos++;
      return out;
    }
    for (;;) {
      this.path.push(String(out.length));
      out.push(this.value(String(out.length), depth));
      this.path.pop();
      this.skipSpace();
      const c = this.text[this.pos];
      this.pos++;
      if (c === ']') return out;
      if (c !== ',') this.fail('malformed', "expected ',' or ']'", this.pos - 1);
      this.skipSpace();
    }
  }

  private object(depth: number): Record<string, unknown> {
    this.enter(depth);
    const out: Record<string, unknown> = this.nullPrototype
      ? (Object.create(null) as Record<string, unknown>)
      : {};
    if (this.text[this.pos] === '}') {
      this.pos++;
      return out;
    }
    for (;;) {
      if (this.text[this.pos] !== '"') this.fail('malformed', 'expected a key in double quotes');
      const keyAt = this.pos;
      const key = this.string();
      this.path.push(key);
      if (Object.hasOwn(out, key))
        this.fail('duplicate-key', `key ${JSON.stringify(key)} appears twice`, keyAt);
      this.skipSpace();
      if (this.text[this.pos] !== ':') this.fail('malformed', "expected ':' after a key");
      this.pos++;
      this.skipSpace();
      const value = this.value(key, depth);
      // defineProperty for "__proto__", so it stays an own data property as with JSON.parse.
      if (key === '__proto__') {
        Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
      } else {
        out[key] = value;
      }
      this.path.pop();
      this.skipSpace();
      const c = this.text[this.pos];
      this.pos++;
      if (c === '}') return out;
      if (c !== ',') this.fail('malformed', "expected ',' or '}'", this.pos - 1);
      this.skipSpace();
    }
  }
}

/**
 * Parses untrusted JSON so that it can mean only one thing: refuses duplicate keys, numbers that would not
 * survive as written (non-finite like `1e309`, integer literals beyond 2^53 that would round, non-zero values that
 * underflow to 0, literals longer than `maxNumberLength`) and nesting deeper than `maxDepth`, with an error
 * naming the JSON pointer, line and column. Otherwise the result equals `JSON.parse`'s.
 *
 * @throws ROKU_JSON_MALFORMED, ROKU_JSON_DUPLICATE_KEY, ROKU_JSON_BAD_NUMBER, ROKU_JSON_TOO_DEEP
 * @example
 * parseStrictJson('{"a":1,"a":2}'); // throws ROKU_JSON_DUPLICATE_KEY "/a: key "a" appears twice (line 1, column 8)"
 */
export function parseStrictJson(text: string, options: StrictJsonOptions = {}): unknown {
  return new Parser(
    text,
    options.maxDepth ?? STRICT_JSON_MAX_DEPTH,
    options.maxNumberLength ?? STRICT_JSON_MAX_NUMBER_LENGTH,
    options.nullPrototype ?? false,
    options.reviver,
  ).parse();
}

/**
 * The validation issue for an error thrown by {@link parseStrictJson} (undefined for any other error), so a
 * document validator reports it like its other problems. `malformedCode` replaces ROKU_JSON_MALFORMED.
 */
export function strictJsonIssue(err: unknown, malformedCode?: string): ValidationIssue | undefined {
  if (!(err instanceof RokuError) || !Object.values(CODES).includes(err.code as never)) return undefined;
  const d = err.details as { path: string; line: number; column: number; problem: string };
  return {
    code: err.code === CODES.malformed && malformedCode !== undefined ? malformedCode : err.code,
    path: d.path,
    message: `${err.code === CODES.malformed ? 'is not valid JSON: ' : ''}${d.problem} (line ${d.line}, column ${d.column})`,
  };
}

/**
 * True when arrays and objects in an already-parsed value nest deeper than `max`. Iterative, so a hostile
 * value cannot overflow the stack here; it stops at the first branch found too deep.
 */
export function nestsDeeperThan(value: unknown, max: number): boolean {
  const stack: [unknown, number][] = [[value, 0]];
  const seen = new Set<object>();
  for (let next = stack.pop(); next !== undefined; next = stack.pop()) {
    const [node, depth] = next;
    if (typeof node !== 'object' || node === null || seen.has(node)) continue;
    if (depth + 1 > max) return true;
    seen.add(node);
    for (const child of Object.values(node)) stack.push([child, depth + 1]);
  }
  return false;
}

/**
 * A drop-in for `JSON.parse(text, reviver)` with the refusals of {@link parseStrictJson} and its defaults.
 *
 * @throws ROKU_JSON_MALFORMED, ROKU_JSON_DUPLICATE_KEY, ROKU_JSON_BAD_NUMBER, ROKU_JSON_TOO_DEEP
 */
export function strictJsonParse(text: string, reviver?: (key: string, value: unknown) => unknown): unknown {
  return parseStrictJson(text, reviver === undefined ? {} : { reviver });
}
