import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createManifestValidator, pluginSchemaValidator } from '../src/index.js';

const fixture = new URL('./fixtures/manifest/valid/full-tool-plugin.json', import.meta.url);
const withInputSchema = (inputSchema: object): unknown => {
  const manifest = JSON.parse(readFileSync(fixture, 'utf8')) as {
    contributes: { tools: { inputSchema: object }[] };
  };
  manifest.contributes.tools[0]!.inputSchema = inputSchema;
  return manifest;
};

describe('plugin schemas', () => {
  it('a schema whose $id is the meta-schema URI does not unregister the meta-schema', () => {
    const hostile = {
      $id: 'https://json-schema.org/draft/2020-12/schema',
      type: 'object',
      properties: { n: { type: 'integer' } },
    };
    const validator = createManifestValidator();
    expect(validator.validate(withInputSchema(hostile)).ok).toBe(true);
    expect(pluginSchemaValidator(hostile)({ n: 'x' })).toBe(false);
    // later manifests (this validator's and a new one's) are still checked against the meta-schema
    for (const later of [validator, createManifestValidator()]) {
      const result = later.validate(withInputSchema({ type: 'object', properties: { a: { type: 12 } } }));
      expect(result.ok ? [] : result.issues.map((i) => i.code)).toContain('ROKU_MANIFEST_BAD_JSON_SCHEMA');
    }
    expect(pluginSchemaValidator({ type: 'object', required: ['a'] })({})).toBe(false);
  });

  it('validators are shared by schema text, and each still validates its own schema', () => {
    const strings = { type: 'object', properties: { v: { type: 'string' } } };
    const numbers = { type: 'object', properties: { v: { type: 'number' } } };
    const first = pluginSchemaValidator(strings);
    expect(pluginSchemaValidator(structuredClone(strings))).toBe(first);
    expect(first({ v: 'a' })).toBe(true);
    expect(pluginSchemaValidator(numbers)({ v: 'a' })).toBe(false);
    expect(first({ v: 1 })).toBe(false);
    expect(first.errors?.[0]?.instancePath).toBe('/v');
  });

  it('two schemas with the same $id compile side by side', () => {
    const a = pluginSchemaValidator({ $id: 'urn:same', type: 'object', required: ['a'] });
    const b = pluginSchemaValidator({ $id: 'urn:same', type: 'object', required: ['b'] });
    expect([a({ a: 1 }), b({ a: 1 })]).toEqual([true, false]);
  });

  it('a schema that does not compile throws and leaves later compiles working', () => {
    expect(() => pluginSchemaValidator({ type: 'object', $ref: '#/$defs/missing' })).toThrow();
    expect(pluginSchemaValidator({ type: 'integer' })(3)).toBe(true);
  });
});
