import { describe, expect, it } from 'vitest';
import { RokuError, dynamicErrorCode, isRokuError } from '../src/index.js';
import type { RokuErrorCode } from '../src/index.js';

// The `@ts-expect-error` lines below are checked by `pnpm typecheck`: if a misspelt code ever compiled again,
// the directive would be unused and the typecheck would fail.
describe('RokuError codes', () => {
  it('accepts a code from a catalog in scope and keeps it on the wire', () => {
    const error = new RokuError('ROKU_MANIFEST_BAD_ID', 'roku.plugin.json: /id must be @scope/name', {
      details: { path: '/id' },
    });
    expect(error.toJSON()).toEqual({
      code: 'ROKU_MANIFEST_BAD_ID',
      message: 'roku.plugin.json: /id must be @scope/name',
      details: { path: '/id' },
    });
  });

  it('does not compile a misspelt code or an unchecked string', () => {
    const fromElsewhere: string = JSON.parse('"ROKU_PLUGIN_SOMETHING"') as string;
    const build = (): RokuError[] => [
      // @ts-expect-error: not a code of any catalog (the catalog says ROKU_MANIFEST_BAD_ID).
      new RokuError('ROKU_MANIFEST_BAD_IDD', 'typo'),
      // @ts-expect-error: a plain string must go through dynamicErrorCode.
      new RokuError(fromElsewhere, 'unchecked'),
    ];
    // At run time the constructor does not check: the compiler is the guard.
    expect(build().map((e) => e.code)).toEqual(['ROKU_MANIFEST_BAD_IDD', 'ROKU_PLUGIN_SOMETHING']);
    const code: RokuErrorCode = 'ROKU_CONFIG_BAD_VALUE';
    expect(code).toBe('ROKU_CONFIG_BAD_VALUE');
  });

  it('passes a code that arrived over a boundary on unchanged through dynamicErrorCode', () => {
    const wire: unknown = JSON.parse('{"code":"ROKU_PLUGIN_FAILED","message":"boom","details":{"hook":"x"}}');
    if (!isRokuError(wire)) throw new Error('expected a Roku error shape');
    const error = new RokuError(dynamicErrorCode(wire.code), wire.message);
    expect([error.code, error.message, isRokuError(error)]).toEqual(['ROKU_PLUGIN_FAILED', 'boom', true]);
  });
});
