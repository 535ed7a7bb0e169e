import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseIndexDocument } from '../../src/index.js';

const fixture = (kind: 'valid' | 'invalid', name: string): string =>
  readFileSync(new URL(`fixtures/${kind}/${name}.json`, import.meta.url), 'utf8');

function issuesOf(fn: () => unknown): { code: string; message: string; paths: string[] } {
  try {
    fn();
  } catch (err) {
    const e = err as { code: string; message: string; details: { issues: { path: string }[] } };
    return { code: e.code, message: e.message, paths: e.details.issues.map((i) => i.path) };
  }
  throw new Error('expected a throw');
}

describe('index documents', () => {
  it('accepts a well-formed document and returns it frozen', () => {
    const doc = parseIndexDocument(fixture('valid', 'two-versions'), 'search/index.json');
    expect(doc.distTags.latest).toBe('1.0.0');
    expect(doc.versions['1.1.0']?.yanked).toBe(true);
    expect(Object.isFrozen(doc.versions)).toBe(true);
  });

  it.each([
    ['missing-integrity', ['/versions/1.0.0/integrity']],
    ['missing-dist-tags', ['/distTags']],
    ['wrong-types', ['/versions/1.0.0/signatures', '/versions/1.0.0/manifest/engines/roku']],
    ['unknown-field', ['/versions/1.0.0/size']],
    ['tag-points-nowhere', ['/distTags/beta']],
    ['version-key-mismatch', ['/versions/1.0.0/manifest/version']],
  ])('refuses %s and names every bad path', (name, paths) => {
    const result = issuesOf(() => parseIndexDocument(fixture('invalid', name), 'search/index.json'));
    expect(result.code).toBe('ROKU_REGISTRY_INDEX_INVALID');
    expect(result.paths).toEqual(paths);
    expect(result.message).toContain('search/index.json: ');
    for (const path of paths) expect(result.message).toContain(path);
  });

  it('refuses a document that could mean two things: a key twice, a number that rounds', () => {
    const text = fixture('valid', 'two-versions');
    const twice = text.replace('"distTags": {', '"distTags": {"latest": "1.1.0", ');
    expect(twice).not.toBe(text);
    const dup = issuesOf(() => parseIndexDocument(twice, 'search/index.json'));
    expect(dup.code).toBe('ROKU_REGISTRY_INDEX_INVALID');
    expect(dup.message).toContain('appears twice');
    expect(dup.paths).toEqual(['/distTags/latest']);
    const big = issuesOf(() => parseIndexDocument('{"name": "@a/b", "size": 1e309}', 'i.json'));
    expect(big.paths).toEqual(['/size']);
  });

  it('reports malformed JSON text with the source', () => {
    const result = issuesOf(() => parseIndexDocument('{"name": ', 'https://r.example/@a/b/index.json'));
    expect(result.code).toBe('ROKU_REGISTRY_INDEX_INVALID');
    expect(result.message).toMatch(/^https:\/\/r\.example\/@a\/b\/index\.json: is not valid JSON/);
  });

  it('refuses a version key that is not semver', () => {
    const doc = JSON.parse(fixture('valid', 'two-versions')) as { versions: Record<string, unknown> };
    doc.versions['v2'] = doc.versions['1.0.0'];
    const result = issuesOf(() => parseIndexDocument(doc, 'mem'));
    expect(result.paths).toContain('/versions/v2');
  });

  it('checks manifest summaries: dependency ids and the permissions shape of the manifest schema', () => {
    const doc = JSON.parse(fixture('valid', 'two-versions')) as {
      versions: Record<string, { manifest: Record<string, unknown> }>;
    };
    const summary = doc.versions['1.0.0']!.manifest;
    summary.dependencies = { NotAnId: '^1.0.0' };
    summary.permissions = { network: 'https://x.dev' };
    const result = issuesOf(() => parseIndexDocument(doc, 'mem'));
    expect(result.paths).toEqual([
      '/versions/1.0.0/manifest/dependencies/NotAnId',
      '/versions/1.0.0/manifest/permissions/network',
    ]);
  });
});
