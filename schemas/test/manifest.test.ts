import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createManifestValidator, formatIssues } from '../src/index.js';

const fixtures = new URL('./fixtures/manifest/', import.meta.url);
const expected = JSON.parse(readFileSync(new URL('expected.json', fixtures), 'utf8')) as Record<
  string,
  [code: string, path: string]
>;
const validator = createManifestValidator();
const read = (kind: string, name: string): Buffer => readFileSync(new URL(`${kind}/${name}`, fixtures));

describe('plugin manifest validation', () => {
  it.each(readdirSync(new URL('valid/', fixtures)))('accepts the valid manifest %s', (file) => {
    const result = validator.parse(read('valid', file));
    expect(result.ok ? [] : result.issues).toEqual([]);
  });

  it('covers at least 25 broken manifests, each listed with its expected code and path', () => {
    const files = readdirSync(new URL('invalid/', fixtures)).map((f) => f.replace(/\.json$/, ''));
    expect(files.length).toBeGreaterThanOrEqual(25);
    expect(Object.keys(expected).sort()).toEqual(files.sort());
  });

  it.each(Object.entries(expected))('rejects %s with exactly its one defect', (name, [code, path]) => {
    const result = validator.parse(read('invalid', `${name}.json`));
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.issues.map((i) => ({ code: i.code, path: i.path }))).toEqual([{ code, path }]);
  });

  it('fills defaults and freezes a valid manifest', () => {
    const result = validator.parse(read('valid', 'minimal-wasm.json'));
    if (!result.ok) throw new Error('expected a valid manifest');
    expect(result.value.limits).toMatchObject({ memoryMb: 64, cpuMsPerCall: 1000, wallMsPerCall: 30000 });
    expect(result.value.permissions).toMatchObject({ network: [], env: [], capabilities: { llm: false } });
    expect(Object.isFrozen(result.value.limits)).toBe(true);
  });

  it('suggests the nearest field name for a misspelt one', () => {
    const result = validator.parse(read('invalid', 'unknown-top-level-field.json'));
    expect(result.ok ? '' : result.issues[0]?.message).toContain("did you mean 'permissions'");
  });

  it('says where malformed JSON breaks', () => {
    const result = validator.parse(read('invalid', 'malformed-json.json'));
    expect(result.ok ? '' : result.issues[0]?.message).toMatch(/line 1, column \d+/);
  });

  it('reports every problem of a manifest with several defects', () => {
    const result = validator.validate({ manifestVersion: 1, id: 'x', version: 'one', extra: true });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    const codes = new Set(result.issues.map((i) => i.code));
    for (const code of ['ROKU_MANIFEST_BAD_ID', 'ROKU_MANIFEST_BAD_VERSION', 'ROKU_MANIFEST_UNKNOWN_FIELD']) {
      expect(codes).toContain(code);
    }
    expect(result.issues.filter((i) => i.code === 'ROKU_MANIFEST_MISSING_FIELD').map((i) => i.path)).toEqual(
      expect.arrayContaining(['/description', '/license', '/engines', '/runtime', '/contributes']),
    );
  });

  it('formats issues as file, path, message and code', () => {
    const lines = formatIssues('plugins/foo/roku.plugin.json', [
      { code: 'ROKU_MANIFEST_BAD_PATH', path: '/runtime/entry', message: 'must be relative' },
    ]);
    expect(lines).toEqual([
      'plugins/foo/roku.plugin.json: /runtime/entry must be relative [ROKU_MANIFEST_BAD_PATH]',
    ]);
  });
});
