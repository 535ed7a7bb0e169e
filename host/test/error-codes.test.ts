import { describe, expect, it } from 'vitest';
import { RokuError } from '@roku/schemas';
import { HOST_ERRORS } from '../src/errors.js';

// `pnpm typecheck` checks the `@ts-expect-error` directive: in the host, a misspelt code must not compile.
describe('error codes in the host', () => {
  it('compile from the host catalog and not when misspelt', () => {
    const errors = [
      new RokuError('ROKU_RUN_INTERRUPTED', 'the run was cancelled'),
      // @ts-expect-error: the catalog says ROKU_RUN_INTERRUPTED.
      new RokuError('ROKU_RUN_INTERUPTED', 'typo'),
    ];
    expect(errors.map((e) => e.code in HOST_ERRORS)).toEqual([true, false]);
  });
});
