import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestHost } from '@roku/plugin-testing';
import type { TestHost, TestPlugin } from '@roku/plugin-testing';

const dir = fileURLToPath(new URL('..', import.meta.url));
let host: TestHost;
let plugin: TestPlugin;

beforeAll(async () => {
  host = await createTestHost();
  plugin = await host.load(dir);
});
afterAll(() => host.close());

describe('echo toolset in the real sandbox', () => {
  it('echoes text unchanged, including non-ASCII', async () => {
    expect(await plugin.callTool('echo', { text: 'héllo  wörld ✓' })).toEqual({ text: 'héllo  wörld ✓' });
  });

  it('counts words across any whitespace', async () => {
    expect(await plugin.callTool('word_count', { text: '  one two\tthree\nfour ' })).toEqual({ words: 4 });
    expect(await plugin.callTool('word_count', { text: '' })).toEqual({ words: 0 });
  });

  it('refuses input that does not match the declared schema before the plugin runs', async () => {
    await expect(plugin.callTool('echo', { text: 42 })).rejects.toMatchObject({
      code: 'ROKU_CAPABILITY_BAD_REQUEST',
    });
  });
});
