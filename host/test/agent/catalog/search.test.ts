import { describe, expect, it } from 'vitest';
import { createBm25Index, createToolCatalog, tokenize } from '../../../src/agent/catalog/index.js';
import { tool, toolSet } from './fixtures.js';

describe('tool search', () => {
  const catalog = createToolCatalog(toolSet(), { deferAboveTokens: 0 });

  it('ranks the tool whose name and description match best first', () => {
    expect(catalog.search('read a file')[0]?.name).toBe('read_file');
    expect(catalog.search('search the web for links')[0]?.name).toBe('search_web');
    expect(catalog.search('shell command')[0]?.name).toBe('run_command');
  });

  it('splits camelCase names and matches input property descriptions', () => {
    expect(catalog.search('fetch url')[0]?.name).toBe('fetchUrl');
    expect(catalog.search('https')[0]?.name).toBe('fetchUrl');
    expect(catalog.search('relative path')[0]?.name).toBe('read_file');
  });

  it('returns names and descriptions, only for matching tools, at most limit of them', () => {
    const hits = catalog.search('workspace', 2);
    expect(hits).toHaveLength(2);
    expect(hits[0]).toEqual({
      name: expect.any(String) as string,
      description: expect.any(String) as string,
      score: expect.any(Number) as number,
    });
    expect(catalog.search('kubernetes')).toEqual([]);
    expect(catalog.search('')).toEqual([]);
  });

  it('considers only tools the filter admits', () => {
    const hits = catalog.search('file', 5, (t) => t.readOnly);
    expect(hits.map((h) => h.name)).toEqual(['read_file']);
  });

  it('prefers a rare term over a common one (idf)', () => {
    const tools = createToolCatalog(
      [
        tool('@a/t', 'alpha', { description: 'common common rare' }),
        tool('@a/t', 'beta', { description: 'common common common' }),
        tool('@a/t', 'gamma', { description: 'common other' }),
      ],
      { deferAboveTokens: 0 },
    );
    expect(tools.search('rare common').map((h) => h.name)[0]).toBe('alpha');
  });
});

describe('bm25', () => {
  it('tokenizes names of every style into the same terms', () => {
    expect(tokenize('read_file')).toEqual(['read', 'file']);
    expect(tokenize('read-file')).toEqual(['read', 'file']);
    expect(tokenize('readFile')).toEqual(['read', 'file']);
    expect(tokenize('HTTPRequest the Files')).toEqual(['http', 'request', 'file']);
    expect(tokenize('检索文件')).toEqual(['检', '索', '文', '件']);
  });

  it('scores with k1 = 1.5 and b = 0.75', () => {
    const index = createBm25Index([
      ['a', 'b'],
      ['b', 'c', 'c', 'd'],
    ]);
    const [first, second] = index.score(['a']);
    const idf = Math.log(1 + (2 - 1 + 0.5) / (1 + 0.5));
    const norm = 1 - 0.75 + (0.75 * 2) / 3;
    expect(first).toBeCloseTo((idf * 1 * 2.5) / (1 + 1.5 * norm), 12);
    expect(second).toBe(0);
  });
});
