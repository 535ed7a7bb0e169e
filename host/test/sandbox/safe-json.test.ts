import { describe, expect, it } from 'vitest';
import { MAX_JSON_DEPTH, parseSandboxJson } from '../../src/sandbox/safe-json.js';

const parse = (text: string): unknown => parseSandboxJson(text, 1 << 20, 'result');
const code = (text: string): unknown => {
  try {
    parse(text);
  } catch (err) {
    return (err as { code?: string }).code;
  }
  return 'parsed';
};

describe('JSON from a sandbox', () => {
  it('reads what JSON.parse reads, with objects that have no prototype', () => {
    const text = '{"a":[1,-2.5,0,"x\\"y\\\\",{"b":null}],"c":{"d":true},"__proto__":{"e":"f"},"s":"q\\\\"}';
    const value = parse(text) as Record<string, unknown>;
    expect(JSON.stringify(value)).toBe(JSON.stringify(JSON.parse(text)));
    expect(Object.getPrototypeOf(value)).toBeNull();
    expect(Object.getPrototypeOf(value.c)).toBeNull();
    expect(Object.hasOwn(value, '__proto__')).toBe(true);
    expect(({} as Record<string, unknown>).e).toBeUndefined();
  });

  it('refuses a key twice, numbers that would change meaning and nesting past the limit, wherever they hide', () => {
    expect(code('{"a":1,"a":2}')).toBe('ROKU_SANDBOX_BAD_OUTPUT');
    expect(code('{"x":"\\"","y":{"k":"a:b","k":1}}')).toBe('ROKU_SANDBOX_BAD_OUTPUT');
    expect(code('[9007199254740993]')).toBe('ROKU_SANDBOX_BAD_OUTPUT');
    expect(code('[1e400]')).toBe('ROKU_SANDBOX_BAD_OUTPUT');
    expect(code('[1e-400]')).toBe('ROKU_SANDBOX_BAD_OUTPUT');
    expect(code('[1e3, 123456789012345678]')).toBe('ROKU_SANDBOX_BAD_OUTPUT');
    expect(code('[1.5e3, 12345678901234]')).toBe('parsed');
    expect(code(`${'['.repeat(MAX_JSON_DEPTH + 1)}${']'.repeat(MAX_JSON_DEPTH + 1)}`)).toBe(
      'ROKU_SANDBOX_OUTPUT_TOO_DEEP',
    );
    expect(code(`${'['.repeat(MAX_JSON_DEPTH)}${']'.repeat(MAX_JSON_DEPTH)}`)).toBe('parsed');
    expect(code('{"a":1,}')).toBe('ROKU_SANDBOX_BAD_OUTPUT');
    expect(code('"unterminated')).toBe('ROKU_SANDBOX_BAD_OUTPUT');
  });
});
