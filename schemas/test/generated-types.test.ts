import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { GENERATED, generateTypes } from '../scripts/generate-types.js';

describe('generated TypeScript types', () => {
  it('match the JSON Schemas they come from (run `pnpm generate` after editing a schema)', async () => {
    const files = await generateTypes();
    for (const { output } of GENERATED) {
      const committed = readFileSync(new URL(`../src/generated/${output}`, import.meta.url), 'utf8');
      expect(committed, output).toBe(files.get(output));
    }
  });
});
