import { describe, expect, it } from 'vitest';
import { parsePackageSpec } from '../src/index.js';

describe('package specs', () => {
  it('reads an id alone as the latest tag', () => {
    expect(parsePackageSpec('@roku/tool-echo')).toEqual({
      id: '@roku/tool-echo',
      range: undefined,
      tag: 'latest',
    });
  });

  it('reads a semver range and a dist-tag', () => {
    expect(parsePackageSpec('@acme/x@^1.2.0').range).toBe('^1.2.0');
    expect(parsePackageSpec('@acme/x@>=1 <3').range).toBe('>=1 <3');
    expect(parsePackageSpec('@acme/x@beta').tag).toBe('beta');
  });

  it.each(['echo', '@acme', '@ACME/x', '@acme/x@^^1', '@acme/x@1.2.3 || !!'])('refuses %s', (spec) => {
    expect(() => parsePackageSpec(spec)).toThrow(expect.objectContaining({ code: 'ROKU_REGISTRY_BAD_SPEC' }));
  });
});
