import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { MEMORY_SQLITE_ERRORS } from '../src/errors.js';

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');

describe('the error catalog', () => {
  it('is documented in the README, code by code', () => {
    for (const [code, sentence] of Object.entries(MEMORY_SQLITE_ERRORS)) {
      const escaped = sentence.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      expect(readme).toMatch(new RegExp(`\\| \`${code}\` +\\| ${escaped} +\\|`));
    }
  });
});
