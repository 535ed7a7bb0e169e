import { basename } from 'node:path';
import { describe, expect, it } from 'vitest';
import { expectConformance, firstParty } from './first-party.js';

const plugins = firstParty('context');

describe('first-party context plugins', () => {
  it('exist', () => {
    expect(plugins.length).toBeGreaterThan(0);
  });
  for (const dir of plugins) {
    it(`${basename(dir)} passes the context conformance suite`, { timeout: 120_000 }, async () => {
      await expectConformance(dir, 'context');
    });
  }
});
