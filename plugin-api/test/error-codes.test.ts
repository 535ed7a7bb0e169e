import { describe, expect, it } from 'vitest';
import { RokuError, dynamicErrorCode } from '@roku/plugin-api';
import type { CodesOf, ErrorCatalog } from '@roku/plugin-api';

// What a plugin's src/errors.ts does: a catalog, merged into PluginErrorCodes.
const EXAMPLE_ERRORS = {
  ROKU_EXAMPLE_BAD_CITY: 'The city is not one the weather tool knows.',
} as const satisfies ErrorCatalog;

declare module '@roku/plugin-api' {
  interface PluginErrorCodes extends CodesOf<typeof EXAMPLE_ERRORS> {}
}

// `pnpm typecheck` checks the `@ts-expect-error` directives: a misspelt code must not compile.
describe('error codes in a plugin', () => {
  it('compile when they come from the plugin catalog or the SDK catalog, and not when misspelt', () => {
    const errors = [
      new RokuError('ROKU_EXAMPLE_BAD_CITY', 'weather: city "Atlantis" is unknown'),
      new RokuError('ROKU_PLUGIN_DEFINITION_INVALID', 'definePlugin: tools must be an array'),
      // @ts-expect-error: the catalog says ROKU_EXAMPLE_BAD_CITY.
      new RokuError('ROKU_EXAMPLE_BAD_CTIY', 'typo'),
    ];
    const known = [...Object.keys(EXAMPLE_ERRORS), 'ROKU_PLUGIN_DEFINITION_INVALID'];
    expect(errors.map((e) => known.includes(e.code))).toEqual([true, true, false]);
  });

  it('take a code from elsewhere only through dynamicErrorCode', () => {
    const upstream = 'ROKU_UPSTREAM_SAID_NO';
    const widened: string = upstream;
    // @ts-expect-error: a plain string is not a checked code.
    expect(new RokuError(widened, 'x').code).toBe(upstream);
    expect(new RokuError(dynamicErrorCode(widened), 'x').toJSON()).toEqual({ code: upstream, message: 'x' });
  });
});
