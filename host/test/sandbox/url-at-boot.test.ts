/**
 * URL and URLSearchParams in a realm: evaluated on first use, or at boot (before the bundle runs) for a plugin
 * that may reach the network, whose fetch needs them in every call. Either way they work the same, and a plugin
 * that defines its own URL at top level keeps it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness } from '../security/helpers.js';
import type { Harness } from '../security/helpers.js';
import { createPoolHarness } from './pool/pool-harness.js';

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(async () => {
  await h.close();
});

const USES_URL = `const u = new URL('/v1/chat?x=1', 'https://api.example.com');
  u.searchParams.append('y', '2 3');
  return [u.href, new URLSearchParams({ a: 'b' }).toString(), typeof Object.getOwnPropertyDescriptor(globalThis, 'URL').value];`;

describe('URL in a realm', () => {
  it.each([
    ['with network access (evaluated at boot)', { network: ['https://api.example.com'] }],
    ['without network access (evaluated on first use)', {}],
  ])('works %s', async (_what, permissions) => {
    const sandbox = await h.load(`url-${String(Object.keys(permissions).length)}`, {
      body: USES_URL,
      permissions,
    });
    await expect(sandbox.call('tool:t', {})).resolves.toEqual([
      'https://api.example.com/v1/chat?x=1&y=2+3',
      'a=b',
      'function',
    ]);
  });

  it('leaves a URL the plugin defines at top level in place', async () => {
    const sandbox = await h.load('url-own', {
      top: `globalThis.URL = class OwnUrl { constructor(s) { this.href = 'own:' + s; } };`,
      body: `return new URL('x').href;`,
      permissions: { network: ['https://api.example.com'] },
    });
    await expect(sandbox.call('tool:t', {})).resolves.toBe('own:x');
  });

  it.each([
    ['its manifest names an origin', { permissions: { network: ['https://api.example.com'] } }, 'function'],
    ["only the user's grants name one", { grants: { network: ['http://127.0.0.1:9'] } }, 'function'],
    ['nothing names one', {}, 'undefined'],
  ])('is evaluated before the bundle runs when %s', async (what, spec, atTop) => {
    const pool = createPoolHarness();
    try {
      const sandbox = await pool.load(`@u/boot-${what.length}`, {
        // what the bundle's top level finds: the class itself, or the accessor that loads it on first use
        top: `globalThis.urlAtTop = typeof Object.getOwnPropertyDescriptor(globalThis, 'URL').value;`,
        body: `return globalThis.urlAtTop;`,
        ...spec,
      });
      await expect(sandbox.call('tool:t', {})).resolves.toBe(atTop);
    } finally {
      await pool.close();
    }
  });
});
