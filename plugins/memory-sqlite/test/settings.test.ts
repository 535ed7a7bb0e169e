import { describe, expect, it } from 'vitest';
import { readSettings } from '../src/settings.js';

describe('memory-sqlite settings (spec check 51)', () => {
  it('clamps a configured recall top_k of 1000 to 64 and a write batch of 1000 to 256', () => {
    expect(readSettings({ recallTopK: 1000, writeMaxBatchSize: 1000 })).toMatchObject({
      recallTopK: 64,
      writeMaxBatchSize: 256,
    });
  });

  it('fills the defaults: recall 8, batches of 256, a 30-day recency half-life', () => {
    expect(readSettings(undefined)).toEqual({
      recallTopK: 8,
      writeMaxBatchSize: 256,
      recencyHalfLifeDays: 30,
    });
  });
});
