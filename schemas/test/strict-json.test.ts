import { describe, expect, it } from 'vitest';
import { createManifestValidator, nestsDeeperThan, parseStrictJson } from '../src/index.js';

function refusal(text: string, options = {}): unknown {
  try {
    parseStrictJson(text, options);
  } catch (err) {
    const { code, details } = err as { code: string; details: { path: string; line: number } };
    return { code, path: details.path, line: details.line };
  }
  return 'accepted';
}

describe('parseStrictJson', () => {
  it('reads what JSON.parse reads when the text has one meaning', () => {
    const texts = [
      '{"a":[1,-2.5,3e2,0,-0,"x\\u00e9\\n",true,false,null],"b":{"c":{}},"d":[]}',
      ' "plain" ',
      '9007199254740991',
      '1.7976931348623157e308',
      '{"__proto__":{"x":1}}',
    ];
    for (const text of texts) expect(parseStrictJson(text)).toEqual(JSON.parse(text));
    const proto = parseStrictJson('{"__proto__":{"polluted":true}}') as Record<string, unknown>;
    expect(Object.getPrototypeOf(proto)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('refuses a key given twice, naming where, at any depth', () => {
    expect(refusal('{"net":["a"],"net":["*"]}')).toEqual({
      code: 'ROKU_JSON_DUPLICATE_KEY',
      path: '/net',
      line: 1,
    });
    expect(refusal('{"a":[{"b":1,\n"b":1}]}')).toEqual({
      code: 'ROKU_JSON_DUPLICATE_KEY',
      path: '/a/0/b',
      line: 2,
    });
    // Keys that differ only by escapes are the same key.
    expect(refusal('{"a":1,"\\u0061":2}')).toMatchObject({ code: 'ROKU_JSON_DUPLICATE_KEY' });
  });

  it('refuses numbers that would not survive as written', () => {
    for (const n of [
      '1e309',
      '-1e309',
      '9007199254740993',
      '-9007199254740993',
      '1e400',
      '1e-400',
      '1'.repeat(65),
    ]) {
      expect(refusal(`{"n":${n}}`)).toMatchObject({ code: 'ROKU_JSON_BAD_NUMBER', path: '/n' });
    }
    expect(refusal(`[${'9'.repeat(1_000_000)}]`)).toMatchObject({ code: 'ROKU_JSON_BAD_NUMBER', path: '/0' });
  });

  it('refuses nesting past the limit without overflowing the stack', () => {
    const deep = '['.repeat(1_000_000) + ']'.repeat(1_000_000);
    expect(refusal(deep)).toMatchObject({ code: 'ROKU_JSON_TOO_DEEP' });
    expect(refusal('[[[1]]]', { maxDepth: 2 })).toMatchObject({ code: 'ROKU_JSON_TOO_DEEP', path: '/0/0' });
    expect(parseStrictJson('[[[1]]]', { maxDepth: 3 })).toEqual([[[1]]]);
  });

  it('refuses malformed text that JSON.parse also refuses', () => {
    for (const text of ['', '{', '{"a":1,}', '[1,]', "{'a':1}", '"\u0001"', '01', 'NaN', '[1] x', '"\\x"']) {
      expect(refusal(text)).toMatchObject({ code: 'ROKU_JSON_MALFORMED' });
    }
  });

  it('builds null-prototype objects on request and applies a reviver bottom-up', () => {
    const value = parseStrictJson('{"a":{"b":1}}', { nullPrototype: true }) as Record<string, unknown>;
    expect(Object.getPrototypeOf(value)).toBeNull();
    expect(Object.getPrototypeOf(value.a)).toBeNull();
    const seen: string[] = [];
    parseStrictJson('{"a":{"b":1}}', { reviver: (k, v) => (seen.push(k), v) });
    expect(seen).toEqual(['b', 'a', '']);
  });

  it('checks the depth of an already-parsed value without recursion', () => {
    let deep: unknown = 1;
    for (let i = 0; i < 100_000; i++) deep = [deep];
    expect(nestsDeeperThan(deep, 64)).toBe(true);
    expect(nestsDeeperThan({ a: [1] }, 2)).toBe(false);
  });
});

describe('manifest parsing is strict', () => {
  const validator = createManifestValidator();

  it('reports a duplicate key and a rounding number as typed issues with their paths', () => {
    const result = validator.parse('{"manifestVersion":1,"id":"@a/b","id":"@evil/b"}');
    expect(result.ok).toBe(false);
    if (!result.ok)
      expect(result.issues).toEqual([
        expect.objectContaining({ code: 'ROKU_JSON_DUPLICATE_KEY', path: '/id' }),
      ]);
  });

  it('refuses a 10 KB manifest nested 5,000 levels deep with one typed issue', () => {
    const result = validator.parse(`{"contributes":${'['.repeat(5000)}${']'.repeat(5000)}}`);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.issues.map((i) => i.code)).toEqual(['ROKU_JSON_TOO_DEEP']);
  });
});
