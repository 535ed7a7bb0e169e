import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SCHEMAS_ERRORS } from '@roku/schemas';
import { HOST_ERRORS } from '@roku/host';
import { PLUGIN_API_ERRORS } from '@roku/plugin-api';
import { PLUGIN_TESTING_ERRORS } from '@roku/plugin-testing';
import { REGISTRY_ERRORS } from '@roku/registry';
import { SERVER_ERRORS } from '@roku/server';
import { CLI_ERRORS } from '../src/index.js';

const catalogs: Record<string, Record<string, string>> = {
  '@roku/schemas': SCHEMAS_ERRORS,
  '@roku/plugin-api': PLUGIN_API_ERRORS,
  '@roku/plugin-testing': PLUGIN_TESTING_ERRORS,
  '@roku/host': HOST_ERRORS,
  '@roku/registry': REGISTRY_ERRORS,
  '@roku/server': SERVER_ERRORS,
  '@roku/cli': CLI_ERRORS,
};
const doc = readFileSync(new URL('../../docs/reference/errors.md', import.meta.url), 'utf8');

describe('error code catalogs', () => {
  const all = Object.values(catalogs).flatMap((c) => Object.keys(c));

  it('use ROKU_<AREA>_<REASON> codes, each owned by one package', () => {
    for (const code of all) expect(code).toMatch(/^ROKU_[A-Z]+_[A-Z_]+$/);
    expect(new Set(all).size).toBe(all.length);
  });

  it('are documented in docs/reference/errors.md with the same sentence, under the owning package', () => {
    for (const [pkg, catalog] of Object.entries(catalogs)) {
      const section = doc.split(/^## /m).find((s) => s.startsWith(`\`${pkg}\``)) ?? '';
      for (const [code, sentence] of Object.entries(catalog)) {
        expect(section, `${pkg} ${code}`).toContain(`| \`${code}\` | ${sentence} |`);
      }
    }
  });

  it('document no code that no catalog defines', () => {
    const documented = [...doc.matchAll(/^\| `(ROKU_[A-Z_]+)` \|/gm)].map((m) => m[1]);
    expect(documented.sort()).toEqual([...all].sort());
  });
});
