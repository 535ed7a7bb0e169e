import { describe, expect, it } from 'vitest';
import { echo, wordCount } from '../src/index.js';

const ctx = { signal: new AbortController().signal };

describe('echo toolset', () => {
  it('echoes text unchanged', async () => {
    expect(await echo.handler({ text: 'héllo  wörld' }, ctx)).toEqual({ text: 'héllo  wörld' });
  });

  it('counts words across any whitespace', async () => {
    expect(await wordCount.handler({ text: '  one two\tthree\nfour ' }, ctx)).toEqual({ words: 4 });
    expect(await wordCount.handler({ text: '' }, ctx)).toEqual({ words: 0 });
  });
});
